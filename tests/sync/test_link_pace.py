"""A link's pace and what it shows (issue 21): idle heartbeats, turns between villages, photos left, re-sends.

Driven frame by frame through the real protocols over real SQLite files (tests/sync/test_protocol.py).
"""
import time

import msgpack

from common.store import blobs, sync_status
from common.store.db import transaction
from sync import wire
from sync.endpoint import Limits
from tests.sync.test_protocol import APPLICANT, T, V1, net, submit  # noqa: F401 (the fixture)

SHA = "ab" * 32


def test_an_idle_line_beats_slowly_and_wakes_at_the_first_real_frame(net):
    cfgs, tc, vc, link = net
    link.pump()
    child_ep, parent_ep = link.child.ep, link.parent.endpoint(V1)
    assert child_ep.hb_idle == parent_ep.hb_idle == Limits.hb_idle  # negotiated in hello and welcome
    now = time.monotonic()
    assert child_ep.ping_interval(2.0, now) == 2.0  # just busy: the fast beat
    child_ep.last_traffic = now - 60  # a quiet minute
    assert child_ep.ping_interval(2.0, now) == Limits.hb_idle
    assert not child_ep.silent(now, now - 25, 2.0)  # the parent beats every 10 s now
    assert child_ep.silent(now, now - 31, 2.0)
    # The clerk submits: the link wakes, beats fast, and the parent's silence counts from the wake.
    submit(vc, V1)
    assert any(wire.decode(f)["t"] == "batch" for f in child_ep.next_frames(now))
    assert child_ep.ping_interval(2.0, now) == 2.0
    assert not child_ep.silent(now + 5, now - 8, 2.0), "the parent's last slow beat is not silence yet"
    assert child_ep.silent(now + 7, now - 8, 2.0), "no answer 7 s after waking: the line is down"


def test_a_child_that_does_not_offer_slow_beats_gets_the_fast_beat_both_ways(net):
    cfgs, tc, vc, link = net
    hello = msgpack.unpackb(link.child.hello(), raw=False)
    hello.pop("hb_idle")
    [welcome] = link.parent.handle(link.rid, link.key, msgpack.packb(hello, use_bin_type=True))
    assert "hb_idle" not in wire.decode(welcome)
    assert link.parent.endpoint(V1).hb_idle is None
    assert link.parent.endpoint(V1).ping_interval(2.0, time.monotonic() + 3600) == 2.0


def test_a_childs_offer_of_a_very_slow_beat_does_not_set_the_parents_pace(net):
    cfgs, tc, vc, link = net
    hello = msgpack.unpackb(link.child.hello(), raw=False)
    hello["hb_idle"] = 60.0
    [welcome] = link.parent.handle(link.rid, link.key, msgpack.packb(hello, use_bin_type=True))
    assert wire.decode(welcome)["hb_idle"] == Limits.hb_idle


def test_photos_are_asked_for_in_turns_between_villages(net):
    cfgs, tc, vc, link = net
    link.pump()
    ep = link.parent.endpoint(V1)
    with transaction(tc):
        for i in range(5):  # one village's weeks of photos, then a neighbour's one
            blobs.want(tc, f"{i:02d}" * 32, V1, 1000, origin="371399101001")
        blobs.want(tc, "ff" * 32, V1, 1000, origin="371399101009")
    asked = [wire.decode(f)["sha"] for f in ep.next_frames() if wire.decode(f)["t"] == "blob_get"]
    assert asked == ["00" * 32, "ff" * 32], "each village's oldest first, not the oldest overall"
    rows = blobs.wanted(tc, V1)
    assert [(r["origin"][-3:], r["turn"]) for r in rows] == [("001", 1), ("009", 1), ("001", 2)]


def test_a_heartbeat_says_what_photos_are_wanted_and_the_other_side_shows_them(net):
    cfgs, tc, vc, link = net
    link.pump()
    with transaction(tc):
        blobs.want(tc, SHA, V1, 250_000, origin=V1)
    ping = link.parent.endpoint(V1).ping()
    assert wire.decode(ping)["bq"] == [1, 250_000]
    link.child.handle(ping)
    ep = link.child.ep
    assert ep.peer_blobs == (1, 250_000)
    ep.flush_stats(time.monotonic() + 10)
    up = next(ln for ln in sync_status.status(vc)["links"] if ln["link"] == "up")
    assert up["blobs_out"]["photos"] == 1 and up["blobs_out"]["bytes"] == 250_000
    township = next(ln for ln in sync_status.status(tc)["links"] if ln["link"] == V1)
    assert township["blobs_in"]["photos"] == 1
    assert sync_status.status(tc)["photos_arriving"][0]["origin"] == V1
    # A heartbeat without it: nothing is wanted any more; a malformed one is taken as nothing.
    link.child.handle(wire.encode("ping", ts=time.time()))
    assert ep.peer_blobs == (0, 0)
    link.child.handle(wire.encode("ping", ts=time.time(), bq=[-1, 5]))
    assert ep.peer_blobs == (0, 0)


def test_a_batch_sent_again_after_a_cut_is_counted_as_resent(net):
    cfgs, tc, vc, link = net
    link.pump()
    submit(vc, V1, 3)
    ep = link.child.ep
    first = [f for f in ep.next_frames() if wire.decode(f)["t"] == "batch"]
    assert first and ep.bytes_resent == 0
    ep.rewind()  # the line was cut before the ack came
    again = [f for f in ep.next_frames() if wire.decode(f)["t"] == "batch"]
    assert ep.bytes_resent == sum(len(f) for f in again) > 0
