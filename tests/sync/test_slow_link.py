"""A village on a slow line: photos arrive (chunks sized to the line), and new work does not wait behind them (issue 21).

Real node processes; the village reaches its township through the fault proxy's throttle (the
shaped-link benchmark, scripts/bench_link.py, does the same over tc in network namespaces).
"""
import hashlib
import os
import time

import requests

from common.hlc import Clock
from common.node import open_db
from common.store import applications as apps, blobs, catalog
from common.store.db import transaction
from sync import wire
from tests.helpers import login, wait_for
from tests.sync.netutil import NodeProcess, count, submit_many
from tests.sync.test_network import T, V1, proxied_network
from tests.sync.test_protocol import APPLICANT, net  # noqa: F401 (the fixture)

RATE = 12_000  # bytes/s: ~100 kbit/s, where a 256 KiB chunk took 22 s, past the 6 s the link waits for a frame


def test_photos_cross_a_slow_line_while_a_new_application_overtakes_them(tmp_path):
    net, proxy = proxied_network(tmp_path)
    procs = {code: NodeProcess(cfg).start() for code, cfg in net.items()}
    try:
        wait_for(lambda: count(net[V1], "SELECT COUNT(*) FROM sync_links WHERE link = 'up' AND state = 'up'") == 1,
                 timeout=30, what="the village's link up")
        proxy.throttle(RATE)
        photo = os.urandom(300 * 1024)  # incompressible: the line carries every byte
        sha = hashlib.sha256(photo).hexdigest()
        conn = open_db(net[V1])
        with transaction(conn):
            blobs.put(conn, net[V1].data_dir, photo)
        conn.close()
        submit_many(net[V1], 1, materials=[{"name": "身份证", "sha256": sha, "size": len(photo)}])
        have = lambda: count(net[T], "SELECT COALESCE(MAX(have), 0) FROM blobs WHERE sha256 = ?", sha)  # noqa: E731
        wait_for(lambda: have() > 0, timeout=60, what="the photo starting to arrive")
        # Mid-transfer, the clerk submits another application: it must not wait for the photo.
        started = time.monotonic()
        submit_many(net[V1], 1)
        wait_for(lambda: count(net[T], "SELECT COUNT(*) FROM applications") == 2, timeout=30,
                 what="the new application at the township")
        overtook = time.monotonic() - started
        assert have() < len(photo), "the photo was already through: nothing was overtaken"
        assert overtook < 10, f"the new application waited {overtook:.1f}s behind the photo"
        # Meanwhile the clerk sees what is left and when it should be through; the township, what is arriving.
        clerk, town = requests.Session(), requests.Session()
        vurl = (net[V1].data_dir / "run" / "web.url").read_text().strip().rstrip("/")
        turl = (net[T].data_dir / "run" / "web.url").read_text().strip().rstrip("/")
        assert login(clerk, vurl).status_code == 200 and login(town, turl).status_code == 200
        console = wait_for(lambda: (lambda p: "还有 1 张照片" in p and p)(clerk.get(vurl + "/clerk/").text), timeout=20,
                           what="the clerk console showing the photo still uploading")
        assert "大约" in console or "不到 1 分钟" in console, "no estimate shown while the line carries the photo"
        nodes = town.get(turl + "/admin/nodes").text
        assert "尚未到达的照片" in nodes and V1 in nodes
        wait_for(lambda: count(net[T], "SELECT complete FROM blobs WHERE sha256 = ?", sha) == 1,
                 timeout=120, what="the photo complete at the township")
        # The line stayed up throughout: no frame took longer than the link waits for one.
        assert count(net[V1], "SELECT flaps FROM sync_links WHERE link = 'up'") == 0
    finally:
        for p in procs.values():
            p.stop()
        proxy.stop()


def test_a_batch_sent_after_a_quiet_spell_is_not_sent_twice(net):
    # issue 21: the resend timer ran from the last ack, so after 10 s of quiet a new batch was
    # resent on the very next turn of the loop (twice the bytes on a slow line).
    cfgs, tc, vc, link = net
    link.pump()
    ep = link.child.ep
    ep.last_progress -= 60  # a long quiet spell
    apps.submit(vc, Clock(V1), V1, "kiosk", catalog.item(vc, "MZ-001"), APPLICANT, {"bank_account": "6222020200112233445"})
    first = [f for f in ep.next_frames() if wire.decode(f)["t"] == "batch"]
    again = [f for f in ep.next_frames() if wire.decode(f)["t"] == "batch"]
    assert len(first) == 1 and again == []


def _hold_photo(cfg, size, seed):
    photo = hashlib.sha256(seed.encode()).digest() * (size // 32)  # noqa: S324 (filler bytes, not a secret)
    photo = os.urandom(size) if seed == "random" else photo
    conn = open_db(cfg)
    with transaction(conn):
        sha = blobs.put(conn, cfg.data_dir, photo)
    conn.close()
    return sha, photo


def test_a_photo_cut_mid_transfer_resumes_with_at_most_one_chunk_sent_again(tmp_path):
    net, proxy = proxied_network(tmp_path)
    procs = {code: NodeProcess(cfg).start() for code, cfg in net.items()}
    try:
        wait_for(lambda: count(net[V1], "SELECT COUNT(*) FROM sync_links WHERE link = 'up' AND state = 'up'") == 1,
                 timeout=30, what="the village's link up")
        proxy.throttle(RATE)
        sha, photo = _hold_photo(net[V1], 240 * 1024, "random")
        submit_many(net[V1], 1, materials=[{"name": "户口本", "sha256": sha, "size": len(photo)}])
        have = lambda: count(net[T], "SELECT COALESCE(MAX(have), 0) FROM blobs WHERE sha256 = ?", sha)  # noqa: E731
        wait_for(lambda: have() >= 64 * 1024, timeout=60, what="a quarter of the photo across")
        received = lambda: count(net[T], "SELECT bytes_in FROM sync_links WHERE link = ?", V1)  # noqa: E731
        proxy.drop()  # the mast goes down mid-chunk
        wait_for(lambda: count(net[V1], "SELECT state FROM sync_links WHERE link = 'up'") == "down", timeout=30,
                 what="the village seeing its line down")
        held = have()
        proxy.throttle(RATE)  # and comes back
        wait_for(lambda: count(net[T], "SELECT complete FROM blobs WHERE sha256 = ?", sha) == 1, timeout=120,
                 what="the photo complete at the township")
        assert hashlib.sha256(blobs.path_of(net[T].data_dir, sha).read_bytes()).hexdigest() == sha
        assert held > 0 and held % wire.MIN_CHUNK == 0, "resumed from the chunks held, not from the start"
        resent = lambda: count(net[V1], "SELECT bytes_resent FROM sync_links WHERE link = 'up'")  # noqa: E731
        wait_for(lambda: resent() > 0, timeout=10, what="the village counting the chunk it sent again")
        chunk = max(wire.MIN_CHUNK, int(RATE * 1.5) // 4096 * 4096)
        assert resent() <= chunk + 512, f"{resent()} bytes sent again: more than one chunk ({chunk})"
        # The receiver's side agrees: what crossed is the photo and at most one chunk more.
        wait_for(lambda: received() >= len(photo), timeout=10, what="the township's byte count")
        assert received() <= len(photo) + chunk + 4096
    finally:
        for p in procs.values():
            p.stop()
        proxy.stop()


def _uplink_proxied(root):
    """County; township reaching it only through a FaultProxy; two villages straight to the township."""
    from tests.sync.faultproxy import FaultProxy
    from tests.sync.netutil import COUNTY, make_node
    from tests.sync.test_network import V2
    net = {"county": make_node(root, "county", COUNTY)}
    proxy = FaultProxy(("127.0.0.1", net["county"]["sync_port"])).start()
    net[T] = make_node(root, "township", T, net["county"], parent_endpoint=f"tcp://127.0.0.1:{proxy.port}")
    net[V1] = make_node(root, "village", V1, net[T])
    net[V2] = make_node(root, "village", V2, net[T])
    return net, proxy, V2


def test_villages_of_one_township_take_turns_on_its_slow_uplink(tmp_path):
    # V1 comes back with weeks of photos; V2 then sends one. Over the township's slow line to the
    # county, V2's photo must not wait behind all of V1's (it did: the county pulled oldest first).
    net, proxy, V2 = _uplink_proxied(tmp_path)
    procs = {code: NodeProcess(cfg).start() for code, cfg in net.items()}
    try:
        wait_for(lambda: count(net[T], "SELECT COUNT(*) FROM sync_links WHERE link = 'up' AND state = 'up'") == 1,
                 timeout=30, what="the township's link up")
        proxy.throttle(RATE)
        backlog = [_hold_photo(net[V1], 48 * 1024, f"v1-{i}") for i in range(8)]
        submit_many(net[V1], 1, materials=[{"name": f"材料{i}", "sha256": sha, "size": len(p)}
                                           for i, (sha, p) in enumerate(backlog)])
        at_county = lambda sha: count(net["county"], "SELECT COUNT(*) FROM blobs WHERE sha256 = ? AND complete = 1",  # noqa: E731
                                      sha) == 1
        wait_for(lambda: count(net["county"], "SELECT COALESCE(SUM(have), 0) FROM blobs") > 0, timeout=60,
                 what="V1's photos starting to reach the county")
        sha2, photo2 = _hold_photo(net[V2], 48 * 1024, "v2")
        submit_many(net[V2], 1, materials=[{"name": "身份证", "sha256": sha2, "size": len(photo2)}])
        wait_for(lambda: at_county(sha2), timeout=120, what="V2's photo at the county")
        before = sum(at_county(sha) for sha, _ in backlog)
        assert before <= 3, f"V2's one photo waited for {before} of V1's {len(backlog)}"
        wait_for(lambda: all(at_county(sha) for sha, _ in backlog), timeout=120, what="V1's backlog through")
    finally:
        for p in procs.values():
            p.stop()
        proxy.stop()


def test_one_photo_keeps_a_slow_line_busy_across_a_long_round_trip(tmp_path):
    # GPRS: 1 s round trips. Measured per request, the rate counted the round trip as slowness,
    # chunks shrank to 4 KiB and one photo crossed at 27 % of the line. Measured over a window of
    # arrivals with chunks asked for ahead: 56 %. (A fixed depth of 3 gives 96 % here but costs a
    # shaped line without a round trip TCP re-sends and new work's latency: docs/protocol.md § 5.)
    net, proxy = proxied_network(tmp_path)
    proxy.throttle(RATE)
    proxy.latency(0.5)
    procs = {code: NodeProcess(cfg).start() for code, cfg in net.items()}
    try:
        wait_for(lambda: count(net[V1], "SELECT COUNT(*) FROM sync_links WHERE link = 'up' AND state = 'up'") == 1,
                 timeout=60, what="the village's link up over the long round trip")
        sha, photo = _hold_photo(net[V1], 240 * 1024, "random")
        submit_many(net[V1], 1, materials=[{"name": "户口本", "sha256": sha, "size": len(photo)}])
        have = lambda: count(net[T], "SELECT COALESCE(MAX(have), 0) FROM blobs WHERE sha256 = ?", sha)  # noqa: E731
        wait_for(lambda: have() >= 32 * 1024, timeout=60, what="the photo under way")
        started, held = time.monotonic(), have()
        wait_for(lambda: count(net[T], "SELECT complete FROM blobs WHERE sha256 = ?", sha) == 1, timeout=120,
                 what="the photo complete at the township")
        busy = (len(photo) - held) / (time.monotonic() - started) / RATE
        assert busy >= 0.5, f"the line carried the photo at {busy:.0%} of its rate"
    finally:
        for p in procs.values():
            p.stop()
        proxy.stop()
