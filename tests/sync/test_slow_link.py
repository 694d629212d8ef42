"""A village on a slow line: photos arrive (chunks sized to the line), and new work does not wait behind them (issue 21).

Real node processes; the village reaches its township through the fault proxy's throttle (the
shaped-link benchmark, scripts/bench_link.py, does the same over tc in network namespaces).
"""
import hashlib
import os
import time

from common.hlc import Clock
from common.node import open_db
from common.store import applications as apps, blobs, catalog
from common.store.db import transaction
from sync import wire
from tests.helpers import wait_for
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
