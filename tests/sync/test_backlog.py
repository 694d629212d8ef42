"""Events that arrive before their application are held, not dropped; the sender learns per entry (issue 17)."""
import msgpack

from common.hlc import Clock
from common.store import applications as apps, catalog, outbox
from common.store.sync_status import refused_ids
from sync import store, wire
from tests.sync.test_protocol import APPLICANT, T, V1, net  # noqa: F401 (the fixture)


def _entries(conn, link, after=0):
    return [(r["seq"], r["kind"], r["msg_id"], r["subject"], bytes(r["body"])) for r in outbox.pending(conn, link, after, 50)]


def _booked(vc):
    it = catalog.item(vc, "RS-003")
    doc = apps.submit(vc, Clock(V1), V1, "kiosk", it, APPLICANT, {"delivery": "乡镇便民服务中心领取"})
    apps.append(vc, Clock(V1), V1, doc["id"], "callback_booked", "kiosk", {"kind": "appointment", "note": "周三上午"})
    return doc


def test_an_event_that_overtakes_its_application_is_held_then_applied_and_relayed_after_it(net):
    cfgs, tc, vc, link = net
    doc = _booked(vc)
    link.to_parent(link.child.hello())
    submitted, booked = _entries(vc, "up")
    renumber = lambda es, first: [(first + i, *e[1:]) for i, e in enumerate(es)]
    # The booking comes first (as when it travelled another way while the line was down).
    (ack,) = link.parent.handle(link.rid, link.key, wire.pack_batch(renumber([booked], 1)))
    ack = wire.decode(ack)
    assert ack["upto"] == 1 and ack.get("held") == 1 and "refused" not in ack, ack
    assert store.quarantine_count(tc) == 0 and tc.execute("SELECT COUNT(*) FROM sync_held").fetchone()[0] == 1
    (ack,) = link.parent.handle(link.rid, link.key, wire.pack_batch(renumber([submitted], 2)))
    assert wire.decode(ack)["upto"] == 2
    assert tc.execute("SELECT COUNT(*) FROM sync_held").fetchone()[0] == 0
    assert apps.get(tc, doc["id"])["callbacks"] == 1
    # Up to the county it goes in order: the application, the booking, then the township's forward.
    up = [msgpack.unpackb(r["body"])["type"] for r in outbox.pending(tc, "up", 0, 50) if r["kind"] == "event"]
    assert up == ["submitted", "callback_booked", "forwarded"]


def test_in_one_batch_an_event_after_its_application_is_relayed_after_it(net):
    cfgs, tc, vc, link = net
    _booked(vc)
    link.pump()
    up = [msgpack.unpackb(r["body"])["type"] for r in outbox.pending(tc, "up", 0, 50) if r["kind"] == "event"]
    assert up == ["submitted", "callback_booked", "forwarded"]


def test_the_sender_is_told_what_was_refused_and_keeps_it(net):
    cfgs, tc, vc, link = net
    doc = _booked(vc)
    link.to_parent(link.child.hello())
    rows = outbox.pending(vc, "up", 0, 50)
    bad = next(r for r in rows if r["kind"] == "event" and msgpack.unpackb(r["body"])["type"] == "submitted")
    tampered = msgpack.unpackb(bad["body"])
    tampered["payload"]["proxy_by"] = "nobody"  # no longer what the village signed
    entries = [(r["seq"], r["kind"], r["msg_id"], r["subject"],
                msgpack.packb(tampered) if r["seq"] == bad["seq"] else bytes(r["body"])) for r in rows]
    (ack,) = link.parent.handle(link.rid, link.key, wire.pack_batch(entries))
    for back in link.child.handle(ack):
        link.to_parent(back)
    assert [r[0] for r in wire.decode(ack)["refused"]] == [bad["seq"]]
    reasons = refused_ids(vc, [bad["msg_id"]])
    assert "签名" in reasons[bad["msg_id"]]
    # And the clerk's console shows it refused, with the reason, never as sent up.
    from village_kiosk import clerk_store
    (row,) = [r for r in clerk_store.rows(vc) if r["id"] == doc["id"]]
    assert row["refused"] and "签名" in row["refused"]
