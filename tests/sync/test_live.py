"""Live messages overtake bulk batches on the same link, and are relayed hop by hop."""
import time

from sync.limits import Limits
from tests.sync.faultproxy import FaultProxy
from sync.service import SyncService
from tests.helpers import wait_for
from tests.sync.netutil import COUNTY, count, make_node, submit_many

T, V = "371399101", "371399101001"


def test_live_message_overtakes_a_draining_backlog_and_is_relayed(tmp_path):
    county = make_node(tmp_path, "county", COUNTY)
    town = make_node(tmp_path, "township", T, county)
    proxy = FaultProxy(("127.0.0.1", town["sync_port"])).start()
    village = make_node(tmp_path, "village", V, town, parent_endpoint=f"tcp://127.0.0.1:{proxy.port}")
    submit_many(village, 3000)                # a backlog of about 1 MB of batches
    proxy.throttle(60_000)                    # a poor village line: the backlog takes many seconds
    small = Limits()
    small.batch_count = 200
    services = [SyncService(cfg, heartbeat=1.0, limits=small) for cfg in (county, town, village)]
    for s in services:
        s.start()
    try:
        wait_for(lambda: count(town, "SELECT COUNT(*) FROM applications") > 0, timeout=30, what="bulk flowing")
        sent = time.monotonic()
        assert services[2].send_live(COUNTY, {"kind": "signal", "origin": "371399102001"})  # another village's code
        assert services[2].send_live(COUNTY, {"kind": "consult.update", "origin": COUNTY})  # not the hub's voice
        assert services[2].send_live(COUNTY, {"kind": "signal", "seq": 1, "origin": V})
        link, body = services[0].inbox.get(timeout=20)
        latency = time.monotonic() - sent
        waiting = 3000 - count(town, "SELECT COUNT(*) FROM applications")
        assert body == {"kind": "signal", "seq": 1, "origin": V} and link == T  # the spoofs were dropped on the way
        assert waiting > 500, f"the backlog had drained ({waiting} left): the test proved nothing"
        assert latency < 5, latency
        # And back down: county -> township -> village.
        assert services[0].send_live(V, {"kind": "consult.signal", "seq": 1, "origin": COUNTY})
        link, body = services[2].inbox.get(timeout=20)
        assert link == "up" and body["kind"] == "consult.signal"
        assert services[1].live_dropped[V] == 2 and services[2].inbox.empty()
    finally:
        for s in reversed(services):
            s.stop()
        proxy.stop()
