"""Sync over real sockets between real node processes (DESIGN.md §4; issue 3 (a), (c)–(g))."""
import pytest

from common.domain.nodes import parent_of
from tests.helpers import wait_for
from tests.sync.netutil import NodeProcess, count, decide_at_county, make_network, submit_many

T, V1, V2 = "371399101", "371399101001", "371399101002"


@pytest.fixture
def running(tmp_path):
    net = make_network(tmp_path, villages=2)
    procs = {code: NodeProcess(cfg).start() for code, cfg in net.items()}
    yield net, procs
    for p in procs.values():
        p.stop()


def assert_exactly_once(net, n_per_village, decided=True):
    county = net["county"]
    total = n_per_village * 2
    assert count(county, "SELECT COUNT(*) FROM applications") == total
    for kind, who in (("submitted", None), ("received", T), ("forwarded", T), ("received", "371399")):
        sql = "SELECT COUNT(*) FROM events WHERE type = ?" + (" AND origin = ?" if who else "")
        assert count(county, sql, *([kind, who] if who else [kind])) == total, (kind, who)
    assert count(county, "SELECT COUNT(DISTINCT tracking_code) FROM applications") == total
    for v in (V1, V2):
        assert count(net[v], "SELECT COUNT(*) FROM applications") == n_per_village
        if decided:
            assert count(net[v], "SELECT COUNT(*) FROM applications WHERE state = 'approved'") == n_per_village
            assert count(net[v], "SELECT COUNT(*) FROM events") == n_per_village * 7


def test_a_thousand_applications_up_exactly_once_and_outcomes_back(running):
    net, procs = running
    submit_many(net[V1], 500)
    submit_many(net[V2], 500)
    wait_for(lambda: count(net["county"], "SELECT COUNT(*) FROM applications WHERE state = 'received'"
                                          " AND custody = '371399'") == 1000, timeout=120, what="1000 at county")
    assert decide_at_county(net["county"]) == 1000
    for v in (V1, V2):
        wait_for(lambda v=v: count(net[v], "SELECT COUNT(*) FROM applications WHERE state = 'approved'") == 500,
                 timeout=120, what=f"outcomes back at {v}")
    assert_exactly_once(net, 500)
    assert parent_of(V1) == T


def proxied_network(root):
    """County, township, and V1 reaching the township only through a FaultProxy; V2 direct."""
    from sync.faultproxy import FaultProxy
    from tests.sync.netutil import COUNTY, make_node
    net = {"county": make_node(root, "county", COUNTY)}
    net[T] = make_node(root, "township", T, net["county"])
    proxy = FaultProxy(("127.0.0.1", net[T]["sync_port"])).start()
    net[V1] = make_node(root, "village", V1, net[T], parent_endpoint=f"tcp://127.0.0.1:{proxy.port}")
    net[V2] = make_node(root, "village", V2, net[T])
    return net, proxy


def at_county(net, n):
    return lambda: count(net["county"], "SELECT COUNT(*) FROM applications WHERE custody = '371399'") == n


def test_c_broken_link_backlog_drains_after_stall_drop_throttle_and_reset(tmp_path):
    net, proxy = proxied_network(tmp_path)
    procs = {code: NodeProcess(cfg).start() for code, cfg in net.items()}
    try:
        submit_many(net[V1], 20)
        wait_for(at_county(net, 20), timeout=60, what="first 20")
        link_up = lambda: count(net[V1], "SELECT COUNT(*) FROM sync_links WHERE link = 'up' AND state = 'up'") == 1
        link_down = lambda: count(net[V1], "SELECT COUNT(*) FROM sync_links WHERE link = 'up' AND state = 'down'") == 1
        proxy.stall()                                   # a silent line: heartbeats stop
        submit_many(net[V1], 50)
        wait_for(link_down, timeout=30, what="village sees the link down")
        assert count(net[T], "SELECT COUNT(*) FROM applications") == 20
        proxy.drop()                                    # the line refuses connections
        submit_many(net[V1], 50)
        submit_many(net[V2], 10)                        # the other village is unaffected
        wait_for(lambda: count(net["county"], f"SELECT COUNT(*) FROM applications WHERE origin = '{V2}'") == 10,
                 timeout=60, what="V2 flows meanwhile")
        proxy.throttle(20_000)                          # back, but slow
        submit_many(net[V1], 30)
        wait_for(link_up, timeout=60, what="link up again")
        proxy.reset()                                   # cut mid-stream
        proxy.resume()
        wait_for(at_county(net, 160), timeout=120, what="backlog drained")
        wait_for(lambda: count(net[V1], "SELECT COUNT(*) FROM applications WHERE state = 'received'") == 150,
                 timeout=60, what="custody events back down at the village")
        assert count(net["county"], "SELECT COUNT(*) FROM events WHERE type = 'submitted'") == 160
        assert count(net[V1], "SELECT COUNT(*) FROM sync_quarantine") == 0
    finally:
        for p in procs.values():
            p.stop()
        proxy.stop()


def test_d_unenrolled_and_revoked_keys_are_refused_and_others_unaffected(tmp_path):
    import subprocess
    import sys
    from tests.sync.netutil import COUNTY, make_node, public_key
    net = {"county": make_node(tmp_path, "county", COUNTY)}
    net[T] = make_node(tmp_path, "township", T, net["county"])
    net[V1] = make_node(tmp_path, "village", V1, net[T])
    # A village that was never enrolled: it trusts the township, the township does not know it.
    stranger_cfg = make_node(tmp_path, "village", V2, parent_endpoint=f"tcp://127.0.0.1:{net[T]['sync_port']}")
    (stranger_cfg.keys_dir / "parent.keys").write_text(public_key(net[T]) + "\n")
    procs = {code: NodeProcess(cfg).start() for code, cfg in net.items()}
    procs[V2] = NodeProcess(stranger_cfg).start()

    def sanji(*args):
        return subprocess.run([sys.executable, "-m", "common", *args, "--data", str(net[T].data_dir)],
                              capture_output=True, text=True, timeout=60)
    try:
        submit_many(stranger_cfg, 5)
        submit_many(net[V1], 5)
        wait_for(at_county(net, 5), timeout=60, what="enrolled village flows")
        wait_for(lambda: count(net[T], "SELECT COUNT(*) FROM sync_nodes WHERE status = 'pending'") == 1,
                 timeout=30, what="stranger pending")
        assert count(net[T], f"SELECT COUNT(*) FROM applications WHERE origin = '{V2}'") == 0
        assert count(net[T], "SELECT COUNT(*) FROM sync_refusals WHERE code = 'not_enrolled'") >= 1
        listing = sanji("nodes", "list")
        shown = subprocess.run([sys.executable, "-m", "common", "keys", "show", "--data", str(stranger_cfg.data_dir)],
                               capture_output=True, text=True).stdout
        fingerprint = shown.split("fingerprint:")[1].strip()
        assert f"pending   {fingerprint}" in listing.stdout
        # The administrator matches the fingerprint (salt-key style) and accepts it; no restart needed.
        refused = sanji("nodes", "accept", fingerprint)
        assert refused.returncode == 2 and "--code" in refused.stderr
        assert sanji("nodes", "accept", fingerprint, "--code", V2).returncode == 0
        wait_for(at_county(net, 10), timeout=60, what="accepted village flows")
        # Revoking V1 bites at once; V2 keeps flowing.
        assert sanji("nodes", "revoke", V1).returncode == 0
        submit_many(net[V1], 3)
        submit_many(stranger_cfg, 4)
        wait_for(at_county(net, 14), timeout=60, what="V2 after V1's revocation")
        wait_for(lambda: count(net[T], "SELECT COUNT(*) FROM sync_refusals WHERE code = 'revoked'") >= 1,
                 timeout=30, what="revocation logged")
        assert count(net[T], f"SELECT COUNT(*) FROM applications WHERE origin = '{V1}'") == 5
    finally:
        for p in procs.values():
            p.stop()
