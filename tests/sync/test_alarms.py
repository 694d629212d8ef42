"""Link alarms both sides show — a full quarantine, a clock off — and events dated ahead held until their time (issue 17)."""
import time

import msgpack
import pytest

from common.hlc import Clock
from common.node import open_db
from common.replication import Replicator
from common.store import applications as apps, catalog, outbox, sync_status
from sync import quarantine, store, wire
from sync.child import ChildProtocol
from sync.parent import ParentProtocol
from tests.sync.netutil import make_network, public_key
from tests.sync.test_protocol import APPLICANT, T, V1, Link, net  # noqa: F401 (the fixture)

HOUR_MS = 3600 * 1000


def _alarm(conn, link):
    return store.link(conn, link)["alarm"]


def _garbage(first, n):
    # Entries of a kind no node knows: each is quarantined (an honest child never sends them).
    return [(first + i, "bogus", f"b{first + i}", "", msgpack.packb({"pad": "x" * 100})) for i in range(n)]


@pytest.fixture
def later(tmp_path):
    """A township whose clock the test moves on (LATER[0] ms), and a village wired to it."""
    cfgs = make_network(tmp_path, villages=1)
    tc, vc = open_db(cfgs[T]), open_db(cfgs[V1])
    shift = [0]
    clock = Clock(T, wall=lambda: int(time.time() * 1000) + shift[0])
    parent = ParentProtocol(tc, T, Replicator(T, clock), cfgs[T].data_dir)
    child = ChildProtocol(vc, V1, Replicator(V1, Clock(V1)), cfgs[V1].data_dir)
    return tc, vc, Link(parent, child, public_key(cfgs[V1])), shift


def test_a_kiosk_whose_clock_is_hours_ahead_has_its_application_held_then_applied_when_its_time_comes(later):
    tc, vc, link, shift = later
    fast = Clock(V1, wall=lambda: int(time.time() * 1000) + 3 * HOUR_MS)  # the kiosk's PC is 3 h fast
    doc = apps.submit(vc, fast, V1, "kiosk", catalog.item(vc, "MZ-001"), APPLICANT,
                      {"bank_account": "6222020200112233445"})
    link.pump()
    # Taken off the link (the kiosk's queue is empty) but held at the township, not stored, not refused.
    assert link.child.ep.backlog() == 0
    assert tc.execute("SELECT COUNT(*) FROM applications").fetchone()[0] == 0
    assert store.quarantine_count(tc) == 0
    held = tc.execute("SELECT not_before FROM sync_held").fetchall()
    assert len(held) == 1 and held[0][0] > time.time() * 1000 + 2 * HOUR_MS
    assert sync_status.refused_by_application(vc) == {}
    # Nothing is released before its time ...
    ep = link.parent.endpoint(V1)
    assert ep.release_due() == 0
    # ... and at its time it applies, custody is taken and it goes on up, as if it had just arrived.
    shift[0] = 3 * HOUR_MS - 9 * 60 * 1000
    assert ep.release_due() == 1
    assert apps.get(tc, doc["id"])["custody"] == T
    up = [msgpack.unpackb(r["body"])["type"] for r in outbox.pending(tc, "up", 0, 50) if r["kind"] == "event"]
    assert up[-2:] == ["submitted", "received"] or up[-2:] == ["submitted", "forwarded"], up
    assert tc.execute("SELECT COUNT(*) FROM sync_held").fetchone()[0] == 0


def test_a_clock_days_ahead_is_refused_and_the_kiosk_is_told(net):
    cfgs, tc, vc, link = net
    wrong = Clock(V1, wall=lambda: int(time.time() * 1000) + 5 * 24 * HOUR_MS)
    doc = apps.submit(vc, wrong, V1, "kiosk", catalog.item(vc, "MZ-001"), APPLICANT,
                      {"bank_account": "6222020200112233445"})
    link.pump()
    assert tc.execute("SELECT COUNT(*) FROM sync_held").fetchone()[0] == 0
    assert "clock" in sync_status.refused_by_application(vc)[doc["id"]]


def test_a_heartbeat_off_by_more_than_ten_minutes_raises_the_clock_alarm_on_both_sides(net):
    cfgs, tc, vc, link = net
    link.pump()
    # The kiosk's heartbeat says it is 40 minutes ahead: the township shows it on the kiosk's link.
    link.to_parent(wire.encode("ping", ts=time.time() + 40 * 60))
    assert _alarm(tc, V1) == "clock"
    assert "40" in store.link(tc, V1)["alarm_detail"]
    assert sync_status.status(tc)["alarms"][0]["link"] == V1
    # The kiosk sees its parent's heartbeat 40 minutes behind its own clock: it shows that it is fast.
    link.child.handle(wire.encode("ping", ts=time.time() - 40 * 60))
    assert _alarm(vc, "up") == "clock" and "快" in store.link(vc, "up")["alarm_detail"]
    # Set right, the next heartbeats clear both.
    link.to_parent(wire.encode("ping", ts=time.time()))
    link.child.handle(wire.encode("ping", ts=time.time()))
    assert _alarm(tc, V1) == "" and _alarm(vc, "up") == ""
    assert sync_status.status(tc)["alarms"] == []


def test_a_link_whose_quarantine_is_full_is_no_longer_acknowledged_and_both_sides_raise_the_alarm(net):
    cfgs, tc, vc, link = net
    link.pump()
    rid, key = link.rid, link.key
    seq = store.link(tc, V1)["recv_upto"]
    for first in range(seq + 1, seq + store.MAX_QUARANTINED + 1, 500):
        (ack,) = link.parent.handle(rid, key, wire.pack_batch(_garbage(first, 500)))
        assert wire.decode(ack)["t"] == "ack"
    seq += store.MAX_QUARANTINED
    assert store.quarantine_count(tc) == store.MAX_QUARANTINED
    # The next batch, even an honest one, is not taken: the sender keeps it and is told why.
    (reply,) = link.parent.handle(rid, key, wire.pack_batch(_garbage(seq + 1, 1)))
    reply = wire.decode(reply)
    assert reply["t"] == "error" and reply["code"] == "quarantine_full"
    assert store.link(tc, V1)["recv_upto"] == seq and store.quarantine_count(tc) == store.MAX_QUARANTINED
    assert _alarm(tc, V1) == "quarantine_full"
    link.child.handle(wire.encode("error", code="quarantine_full", message=reply["message"]))
    assert _alarm(vc, "up") == "peer_quarantine_full"
    # The administrator drops what was refused; the link is taken again and the alarm clears.
    for row in store.quarantined(tc, limit=10):
        quarantine.drop(tc, row["id"], "admin")
    (ack,) = link.parent.handle(rid, key, wire.pack_batch(_garbage(seq + 1, 1)))
    ack = wire.decode(ack)
    assert ack["t"] == "ack" and ack["upto"] == seq + 1
    assert _alarm(tc, V1) == ""


def test_a_quarantine_flood_keeps_only_prefixes_and_the_link_stops_within_a_few_megabytes(net):
    cfgs, tc, vc, link = net
    link.pump()
    seq = store.link(tc, V1)["recv_upto"]
    big = lambda first: [(first + i, "bogus", f"g{first + i}", "", b"\x00" * 60_000) for i in range(16)]  # noqa: E731
    for _ in range(200):
        (reply,) = link.parent.handle(link.rid, link.key, wire.pack_batch(big(seq + 1)))
        reply = wire.decode(reply)
        if reply["t"] == "error":
            break
        seq = reply["upto"]
    assert reply["t"] == "error" and reply["code"] == "quarantine_full"
    kept = tc.execute("SELECT SUM(length(body)) FROM sync_quarantine").fetchone()[0]
    assert kept < store.QUARANTINE_LINK_BYTES + store.QUARANTINE_KEEP + store.MAX_QUARANTINED * store.QUARANTINE_PREFIX


# ---- found by attacking the above ------------------------------------------------------------------

def test_a_wobbling_heartbeat_does_not_turn_every_frame_into_a_write(net):
    cfgs, tc, vc, link = net
    link.pump()
    before = tc.total_changes
    for i in range(200):  # 40 minutes fast, then 41, then 40 …: the detail would change on every ping
        link.to_parent(wire.encode("ping", ts=time.time() + (40 + i % 2) * 60))
    assert _alarm(tc, V1) == "clock"
    assert tc.total_changes - before < 10, tc.total_changes - before


def test_held_events_wait_while_the_quarantine_is_full_or_the_child_is_revoked_and_apply_after(later):
    tc, vc, link, shift = later
    fast = Clock(V1, wall=lambda: int(time.time() * 1000) + 3 * HOUR_MS)
    doc = apps.submit(vc, fast, V1, "kiosk", catalog.item(vc, "MZ-001"), APPLICANT,
                      {"bank_account": "6222020200112233445"})
    link.pump()
    ep = link.parent.endpoint(V1)
    shift[0] = 3 * HOUR_MS
    from common.store.db import transaction
    with transaction(tc):
        store.revoke_code(tc, V1)
    assert ep.release_due() == 0 and tc.execute("SELECT COUNT(*) FROM sync_held").fetchone()[0] == 1
    with transaction(tc):
        tc.execute("UPDATE sync_nodes SET status = 'accepted' WHERE code = ?", (V1,))
        for i in range(store.MAX_QUARANTINED):
            store.quarantine(tc, V1, 10_000 + i, "bogus", f"q{i}", b"x", "test")
    assert ep.release_due() == 0  # what failed to apply now would overflow the quarantine
    tc.execute("DELETE FROM sync_quarantine")
    assert ep.release_due() == 1 and apps.get(tc, doc["id"])["custody"] == T


def test_held_events_of_a_child_that_has_not_reconnected_are_served_after_a_restart(later):
    tc, vc, link, shift = later
    fast = Clock(V1, wall=lambda: int(time.time() * 1000) + 3 * HOUR_MS)
    apps.submit(vc, fast, V1, "kiosk", catalog.item(vc, "MZ-001"), APPLICANT, {"bank_account": "6222020200112233445"})
    link.pump()
    from sync.parent import ParentProtocol
    restarted = ParentProtocol(tc, T, link.parent.replicator, link.parent.data_dir)
    assert V1 in restarted.endpoints  # its 2-second tick releases them, with no frame from the child


def test_a_legal_day_must_be_written_as_a_plain_date():
    from common.domain import application as model
    event = {"hlc": "1772466900000-0000-370101001", "payload": {"on": "2026-W10-2"}}  # an ISO week date
    assert model.on_problem(event) is not None
    assert model.event_day(event) == model.event_date(event["hlc"]).isoformat()
