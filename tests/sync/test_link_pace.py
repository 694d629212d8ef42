"""A link's pace and what it shows (issue 21): idle heartbeats, turns between villages, photos left, re-sends.

Driven frame by frame through the real protocols over real SQLite files (tests/sync/test_protocol.py).
"""
import time
from collections import deque

import msgpack

from common.store import blobs, sync_status
from common.store.db import transaction
from sync import wire
from sync.limits import Limits
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
    later = time.monotonic() + 1.5  # the queue was empty a moment ago: it is read again after a second
    asked = [wire.decode(f)["sha"] for f in ep.next_frames(later) if wire.decode(f)["t"] == "blob_get"]
    assert asked == ["00" * 32, "ff" * 32], "each village's oldest first, not the oldest overall"
    rows = blobs.wanted(tc, V1)
    assert [(r["origin"][-3:], r["turn"]) for r in rows] == [("001", 1), ("009", 1), ("001", 2)]


def test_every_village_gets_a_turn_however_many_wait_and_an_urgent_photo_goes_first(net):
    cfgs, tc, vc, link = net
    with transaction(tc):
        for v in range(300):  # more villages than rows one read returns
            for i in range(3):
                blobs.want(tc, f"{v:04x}{i:02x}" + "0" * 58, V1, 1000, origin=f"371399101{v:03d}")
        blobs.want(tc, "ee" * 32, V1, 1000, origin="371399101299", urgent=True)  # a full copy a reviewer asked for
    rows = blobs.wanted(tc, V1, per_origin=1)
    assert len({r["origin"] for r in rows}) == 300, "villages past the first 200 never got a turn"
    assert rows[0]["sha256"] == "ee" * 32
    assert [r["sha256"] for r in blobs.wanted(tc, V1, skip=["ee" * 32]) if r["origin"].endswith("299")][0] \
        == "012b00" + "0" * 58


def test_villages_past_the_first_200_waiting_get_their_turn_in_the_pull_loop(net):
    # (the attack helper's case: the queue was cut to 200 rows before the loop's turns were applied)
    cfgs, tc, vc, link = net
    link.pump()
    ep = link.parent.endpoint(V1)
    with transaction(tc):
        # 250 villages with a backlog (their oldest photos are old) ...
        for v in range(250):
            for i in range(20):
                blobs.want(tc, f"{v:04x}{i:02x}" + "0" * 58, V1, 1000, origin=f"371399101{v:03d}")
    with transaction(tc):
        # ... then 50 villages each with one fresh photo
        for v in range(250, 300):
            blobs.want(tc, f"{v:04x}ff" + "1" * 58, V1, 1000, origin=f"371399101{v:03d}")
    served = set()
    now = time.monotonic() + 1.5
    for step in range(400):  # 400 photos pulled: every village could have had one
        frames = [wire.decode(f) for f in ep.next_frames(now) if wire.decode(f)["t"] == "blob_get"]
        for f in frames:
            served.add(blobs.row(tc, f["sha"])["origin"])
            with transaction(tc):  # it arrives
                tc.execute("UPDATE blobs SET complete = 1 WHERE sha256 = ?", (f["sha"],))
            ep.blob_inflight.pop(f["sha"], None)
            ep.blob_asked.pop(f["sha"], None)
        now += 0.1
    fresh = {f"371399101{v:03d}" for v in range(250, 300)}
    assert fresh <= served, f"{len(fresh - served)} of 50 villages with one new photo never got a turn"


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
    # A child's claim of what it wants of ours is not shown at the parent (nor bounded by anything there).
    parent = link.parent.endpoint(V1)
    parent.handle(wire.decode(wire.encode("ping", ts=time.time(), bq=[10 ** 9, 10 ** 12])))
    parent.handle(wire.decode(wire.encode("blob_get", sha=SHA, offset=0, max=4096, bq=[10 ** 9, 10 ** 12])))
    assert parent.peer_blobs == (0, 0)


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


def test_a_child_waits_longer_for_a_welcome_after_each_attempt_without_one(net):
    # A GPRS line with a 2 s round trip needs ~10 s for the handshake; 5 s for ever would never connect.
    from common.hlc import Clock
    from common.replication import Replicator
    from sync.client import SyncClient
    from sync.limits import HELLO_TIMEOUT
    from tests.helpers import wait_for
    cfgs, tc, vc, link = net
    client = SyncClient(cfgs[V1], Replicator(V1, Clock(V1)))  # its township is not running: no welcome
    client.backoff.next = lambda: 0.05
    client.start()
    try:
        wait_for(lambda: client.hello_timeout >= 2 * HELLO_TIMEOUT, timeout=HELLO_TIMEOUT + 10,
                 what="the second attempt waiting twice as long")
    finally:
        client.stop()


def test_photos_a_kiosk_lost_do_not_hold_back_the_ones_after_them(net):
    # Found by attack: each origin's two oldest were taken before skipping those backed off, so
    # two photos the village answered `blob_missing` for wedged every later one of that village.
    cfgs, tc, vc, link = net
    link.pump()
    ep = link.parent.endpoint(V1)
    with transaction(tc):
        for sha in ("e1" * 32, "e2" * 32, "e3" * 32):
            blobs.want(tc, sha, V1, 1000, origin=V1)
    now = time.monotonic() + 1.5
    first = [wire.decode(f)["sha"] for f in ep.next_frames(now) if wire.decode(f)["t"] == "blob_get"]
    assert first == ["e1" * 32, "e2" * 32]
    for sha in first:  # the kiosk lost them
        ep.handle(wire.decode(wire.encode("blob_missing", sha=sha, reason="not held here (yet)")))
    again = [wire.decode(f)["sha"] for f in ep.next_frames(now + 0.1) if wire.decode(f)["t"] == "blob_get"]
    assert again == ["e3" * 32]


def test_a_line_that_slowed_down_gets_smaller_chunks_after_a_cut(net):
    cfgs, tc, vc, link = net
    ep = link.parent.endpoint(V1)
    ep.rate_in_est = 150_000  # measured on a fast spell: ~220 KiB chunks
    ep.blob_asked["ab" * 32] = deque([(0, 225280, time.monotonic(), True)])
    ep.blob_inflight["ab" * 32] = time.monotonic()
    before = ep.chunk_size()
    ep.rewind()  # the chunk never came: the link was declared down
    assert ep.chunk_size() < before


def test_a_neighbours_photo_gets_a_slot_between_the_chunks_of_a_villages_big_scans(net):
    # Found by attack: a photo kept its slot until complete, so a neighbour's new photo waited for
    # two 3 MiB scans to end (~12 minutes of a 64 kbit/s line).
    cfgs, tc, vc, link = net
    ep = link.parent.endpoint(V1)
    big = ["b1" * 32, "b2" * 32]
    with transaction(tc):
        for sha in big:
            blobs.want(tc, sha, V1, 3 * 1024 * 1024, origin="371399101001")
    now = time.monotonic() + 1.5
    asked = [wire.decode(f) for f in ep.next_frames(now) if wire.decode(f)["t"] == "blob_get"]
    assert {f["sha"] for f in asked} == set(big)
    with transaction(tc):
        blobs.want(tc, "c3" * 32, V1, 30_000, origin="371399101002")  # the neighbour's one photo
    ep.next_frames(now + 1.1)  # every slot taken: it notices the neighbour waiting
    first = next(f for f in asked if f["sha"] == big[0])
    for f in [f for f in asked if f["sha"] == big[0]]:  # b1's outstanding chunks come in
        data = b"x" * f["max"]
        ep.on_blob_chunk({"sha": big[0], "offset": f["offset"], "total": 3 * 1024 * 1024, "data": data})
    assert first["offset"] == 0 and big[0] not in ep.blob_inflight, "b1 gave up its slot between chunks"
    nxt = [wire.decode(f)["sha"] for f in ep.next_frames(now + 1.2) if wire.decode(f)["t"] == "blob_get"]
    assert nxt[:1] == ["c3" * 32]


def test_two_chunks_read_in_one_go_are_not_taken_for_a_fast_line(net):
    # Found on the shaped 64 kbit/s line: TCP handed two chunks over at once, the time between
    # them measured the line at megabytes a second, the next chunk was 256 KiB (32 s of the
    # line) and the township took the village for dead.
    cfgs, tc, vc, link = net
    ep = link.parent.endpoint(V1)
    with transaction(tc):
        blobs.want(tc, "d4" * 32, V1, 400_000, origin=V1)
    asked = [wire.decode(f) for f in ep.next_frames(time.monotonic() + 1.5) if wire.decode(f)["t"] == "blob_get"]
    ep.rate_in_est = 8_000
    for f in asked:  # both outstanding chunks arrive in the same instant
        ep.on_blob_chunk({"sha": "d4" * 32, "offset": f["offset"], "total": 400_000, "data": b"y" * f["max"]})
    assert ep.rate_in_est <= 2 * 8_000 and ep.chunk_size() <= 24 * 1024
