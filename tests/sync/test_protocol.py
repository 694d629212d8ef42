"""The parent and child protocols driven directly, frame by frame, over real SQLite files."""
import json

import msgpack
import pytest

from common import signing
from common.hlc import Clock
from common.node import open_db, shared_clock
from common.replication import Replicator
from common.store import applications as apps, catalog, outbox
from sync import store, wire
from sync.child import ChildProtocol
from sync.parent import ParentProtocol
from tests.sync.netutil import make_network, public_key

T, V1, V2 = "371399101", "371399101001", "371399101002"
APPLICANT = {"name": "王五", "id_number": "11010519440119002X", "phone": "13900000000"}


class Link:
    """A village's ChildProtocol wired to its township's ParentProtocol through a function call."""

    def __init__(self, parent, child, key, rid=b"rid-1"):
        self.parent, self.child, self.key, self.rid = parent, child, key, rid

    def to_parent(self, frame):
        for reply in self.parent.handle(self.rid, self.key, frame):
            for back in self.child.handle(reply):
                self.to_parent(back)

    def pump(self, rounds=50):
        """Exchange until neither side has anything to send."""
        self.to_parent(self.child.hello())
        for _ in range(rounds):
            moved = False
            for frame in self.child.ep.next_frames():
                moved = True
                self.to_parent(frame)
            for rid, frame in list(self.parent.outgoing()):
                moved = True
                for back in self.child.handle(frame):
                    self.to_parent(back)
            if not moved:
                return


@pytest.fixture
def net(tmp_path):
    cfgs = make_network(tmp_path, villages=2)
    tc, vc = open_db(cfgs[T]), open_db(cfgs[V1])
    parent = ParentProtocol(tc, T, Replicator(T, shared_clock(tc, {"code": T})), cfgs[T].data_dir)
    child = ChildProtocol(vc, V1, Replicator(V1, Clock(V1)), cfgs[V1].data_dir)
    return cfgs, tc, vc, Link(parent, child, public_key(cfgs[V1]))


def submit(conn, code, n=1, item="MZ-001"):
    it = catalog.item(conn, item)
    return [apps.submit(conn, Clock(code), code, "kiosk", it, APPLICANT, {"bank_account": "6222020200112233445"})
            for _ in range(n)]


def test_handshake_then_apps_flow_and_custody_is_taken(net):
    cfgs, tc, vc, link = net
    docs = submit(vc, V1, 30)
    link.pump()
    assert tc.execute("SELECT COUNT(*) FROM applications").fetchone()[0] == 30
    assert {r[0] for r in tc.execute("SELECT custody FROM applications")} == {T}
    # The township's `received` events came back down: the village sees custody moved.
    assert apps.get(vc, docs[0]["id"])["state"] == "received"
    # And they are queued upward to the county too, exactly once each.
    assert tc.execute("SELECT COUNT(*) FROM sync_outbox WHERE link = 'up' AND kind = 'event'").fetchone()[0] == 60
    # Before them, the village's signing key, vouched for by the township, so the county can check them.
    first = tc.execute("SELECT kind, subject FROM sync_outbox WHERE link = 'up' ORDER BY seq LIMIT 1").fetchone()
    assert tuple(first) == ("node_key", V1)


def test_each_application_goes_up_with_its_custody_event_and_one_audit_record_per_batch(net):
    cfgs, tc, vc, link = net
    it = catalog.item(vc, "RS-003")  # decided at the county: the township forwards it
    docs = [apps.submit(vc, Clock(V1), V1, "kiosk", it, APPLICANT, {"delivery": "乡镇便民服务中心领取"})
            for _ in range(4)]
    link.pump()
    up = [(r["kind"], msgpack.unpackb(r["body"])) for r in outbox.pending(tc, "up", 0, 100) if r["kind"] == "event"]
    # submitted then forwarded for each application in turn, so the county gets both in one batch
    assert [(e["app_id"], e["type"]) for _, e in up] == [(d["id"], t) for d in docs for t in ("submitted", "forwarded")]
    rows = tc.execute("SELECT actor, action, target, detail FROM audit_log WHERE action = 'application.custody_taken'")
    (row,) = rows.fetchall()
    assert (row["actor"], row["target"]) == ("system", V1)
    assert sorted(json.loads(row["detail"])["forwarded"]) == sorted(d["id"] for d in docs)


def test_redelivered_batch_changes_nothing(net):
    cfgs, tc, vc, link = net
    submit(vc, V1, 5)
    link.to_parent(link.child.hello())
    (frame,) = link.child.ep.next_frames()
    first = link.parent.handle(link.rid, link.key, frame)
    again = link.parent.handle(link.rid, link.key, frame)
    assert wire.decode(first[0]) == wire.decode(again[0]) == {"v": 1, "t": "ack", "upto": 5}
    assert tc.execute("SELECT COUNT(*) FROM events WHERE type = 'received'").fetchone()[0] == 5


def test_gap_is_answered_with_what_we_have(net):
    cfgs, tc, vc, link = net
    link.to_parent(link.child.hello())
    entry = (7, "event", "x", V1, msgpack.packb({}))
    (ack,) = link.parent.handle(link.rid, link.key, wire.pack_batch([entry]))
    assert wire.decode(ack)["upto"] == 0


def test_bad_message_is_quarantined_without_blocking_the_rest(net):
    cfgs, tc, vc, link = net
    submit(vc, V1, 2)
    link.to_parent(link.child.hello())
    rows = outbox.pending(vc, "up", 0, 10)
    entries = [(1, "event", "junk", V1, msgpack.packb({"not": "an event"})),
               (2, "event", "junk2", V1, b"\xc1"),
               *[(i + 3, r["kind"], r["msg_id"], r["subject"], bytes(r["body"])) for i, r in enumerate(rows)]]
    (ack,) = link.parent.handle(link.rid, link.key, wire.pack_batch(entries))
    assert wire.decode(ack)["upto"] == 4
    assert store.quarantine_count(tc) == 2
    assert tc.execute("SELECT COUNT(*) FROM applications").fetchone()[0] == 2


def test_reused_event_id_with_other_content_is_quarantined_and_never_overwrites(net):
    cfgs, tc, vc, link = net
    first, second = submit(vc, V1, 2)
    link.pump()
    original = apps.events(tc, first["id"])[0]
    # Signed by the village itself, so it passes the signature check and meets the stored one.
    forged = signing.sign(vc, dict(original, payload=dict(original["payload"], proxy_by="someone-else")))
    later = submit(vc, V1, 1)[0]
    rows = outbox.pending(vc, "up", 2, 10)
    entries = [(3, "event", forged["id"], V1, msgpack.packb(forged)),
               *[(i + 4, r["kind"], r["msg_id"], r["subject"], bytes(r["body"])) for i, r in enumerate(rows)]]
    (ack,) = link.parent.handle(link.rid, link.key, wire.pack_batch(entries))
    assert wire.decode(ack)["upto"] == 3 + len(rows)
    assert "Conflict" in store.quarantined(tc)[0]["reason"]
    assert apps.events(tc, first["id"])[0] == original  # never overwritten
    assert apps.get(tc, later["id"])["custody"] == T  # the rest of the batch still committed


def test_forged_origin_is_refused_and_logged(net):
    cfgs, tc, vc, link = net
    (doc,) = submit(vc, V1, 1)
    event = dict(apps.events(vc, doc["id"])[0], origin=V2, id="forged-1", app_id="forged-app")
    event["payload"] = dict(event["payload"])
    link.to_parent(link.child.hello())
    (ack,) = link.parent.handle(link.rid, link.key, wire.pack_batch([(1, "event", "forged-1", V2,
                                                                      msgpack.packb(event))]))
    assert wire.decode(ack)["upto"] == 1
    assert tc.execute("SELECT COUNT(*) FROM events").fetchone()[0] == 0
    refusal = store.refusals(tc)[0]
    assert refusal["code"] == "origin" and V2 in refusal["detail"]
    assert "outside its subtree" in store.quarantined(tc)[0]["reason"]


def test_unknown_and_revoked_keys_and_hello_first(net):
    cfgs, tc, vc, link = net
    (err,) = link.parent.handle(b"r2", "x" * 40, link.child.hello())
    assert wire.decode(err)["code"] == "not_enrolled"
    (err,) = link.parent.handle(link.rid, link.key, wire.encode("ack", upto=1))
    assert wire.decode(err)["code"] == "hello_required"
    link.to_parent(link.child.hello())
    with tc:
        store.decide(tc, link.key, "revoked")
    (err,) = link.parent.handle(link.rid, link.key, wire.encode("ping", ts=1.0))
    assert wire.decode(err)["code"] == "revoked"
    assert store.refusals(tc)[0]["code"] == "revoked"


def test_parent_restored_gets_everything_reoffered(net, tmp_path):
    cfgs, tc, vc, link = net
    submit(vc, V1, 3)
    link.pump()
    backup = tmp_path / "t.db"
    tc.backup(__import__("sqlite3").connect(backup))
    submit(vc, V1, 4)
    link.pump()
    assert tc.execute("SELECT COUNT(*) FROM applications").fetchone()[0] == 7
    # Restore the township to the older backup (a new epoch), and reconnect.
    from common.node import restore
    tc.close()
    restore(cfgs[T], backup)
    tc2 = open_db(cfgs[T])
    parent = ParentProtocol(tc2, T, Replicator(T, shared_clock(tc2, {"code": T})), cfgs[T].data_dir)
    link2 = Link(parent, link.child, link.key, b"rid-2")
    link2.pump()
    assert tc2.execute("SELECT COUNT(*) FROM applications").fetchone()[0] == 7
    assert tc2.execute("SELECT COUNT(*) FROM events WHERE type = 'received'").fetchone()[0] == 7
    # Nothing the village had was lost or doubled.
    assert vc.execute("SELECT COUNT(*) FROM applications WHERE state = 'received'").fetchone()[0] == 7


def test_broadcasts_reach_a_child_that_lacks_them(net):
    cfgs, tc, vc, link = net
    doc = catalog.export(tc)
    doc["items"][0]["promised_days"] = 3
    catalog.import_catalog(tc, doc, "edit")
    link.pump()
    assert catalog.current_version(vc) == 2
    assert catalog.item(vc, doc["items"][0]["code"])["promised_days"] == 3
