"""Sync over real sockets between real node processes (docs/protocol.md; issue 3 (a), (c)–(g))."""
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
    for kind, who in (("submitted", None), ("forwarded", T)):
        sql = "SELECT COUNT(*) FROM events WHERE type = ?" + (" AND origin = ?" if who else "")
        assert count(county, sql, *([kind, who] if who else [kind])) == total, (kind, who)
    assert count(county, "SELECT COUNT(DISTINCT tracking_code) FROM applications") == total
    for v in (V1, V2):
        assert count(net[v], "SELECT COUNT(*) FROM applications") == n_per_village
        if decided:
            assert count(net[v], "SELECT COUNT(*) FROM applications WHERE state = 'approved'") == n_per_village
            assert count(net[v], "SELECT COUNT(*) FROM events") == n_per_village * 5


def test_a_thousand_applications_up_exactly_once_and_outcomes_back(running):
    net, procs = running
    submit_many(net[V1], 500)
    submit_many(net[V2], 500)
    wait_for(lambda: count(net["county"], "SELECT COUNT(*) FROM applications WHERE state = 'forwarded'"
                                          " AND custody = '371399'") == 1000, timeout=120, what="1000 at county")
    assert decide_at_county(net["county"]) == 1000
    for v in (V1, V2):
        wait_for(lambda v=v: count(net[v], "SELECT COUNT(*) FROM applications WHERE state = 'approved'") == 500,
                 timeout=120, what=f"outcomes back at {v}")
    assert_exactly_once(net, 500)
    assert parent_of(V1) == T


def proxied_network(root):
    """County, township, and V1 reaching the township only through a FaultProxy; V2 direct."""
    from tests.sync.faultproxy import FaultProxy
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
        wait_for(lambda: count(net[V1], "SELECT COUNT(*) FROM applications WHERE state = 'forwarded'") == 150,
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


def raw_dealer(net, code, tmp_path):
    """An enrolled, authenticated DEALER speaking raw frames to the township (a misbehaving peer)."""
    import zmq
    import zmq.auth
    from common.node import open_db
    from common.store.db import transaction
    from sync import store
    from tests.sync.netutil import public_key
    keys = tmp_path / f"raw-{code}"
    keys.mkdir()
    pub, sec = zmq.auth.create_certificates(str(keys), "node")
    public, secret = zmq.auth.load_certificate(sec)
    conn = open_db(net[T])
    with transaction(conn):
        store.add_accepted(conn, public.decode(), code)
    conn.close()
    ctx = zmq.Context.instance()
    sock = ctx.socket(zmq.DEALER)
    sock.setsockopt(zmq.LINGER, 0)
    sock.curve_publickey, sock.curve_secretkey = public, secret
    sock.curve_serverkey = public_key(net[T]).encode()
    sock.connect(f"tcp://127.0.0.1:{net[T]['sync_port']}")
    return sock


def recv_error(sock, timeout_ms=5000):
    from sync import wire
    assert sock.poll(timeout_ms), "no reply"
    return wire.decode(sock.recv())


def test_e_malformed_frames_get_errors_and_the_parent_keeps_serving(running, tmp_path):
    import msgpack
    from sync import wire
    net, procs = running
    sock = raw_dealer(net, "371399101009", tmp_path)
    try:
        sock.send(b"\xc1\xc1 garbage")
        assert recv_error(sock)["code"] == "bad_frame"
        sock.send(wire.encode("ping", ts=1.0)[:5])                      # truncated
        assert recv_error(sock)["code"] == "bad_frame"
        sock.send(msgpack.packb({"v": 7, "t": "hello"}))                 # wrong version
        reply = recv_error(sock)
        assert reply["code"] == "version" and "(1,)" in reply["message"]
        sock.send(wire.encode("ack", upto=3))                             # before hello
        assert recv_error(sock)["code"] == "hello_required"
        sock.send(wire.encode("batch", first=1, last=1, n=1, z=b"not zstd"))
        assert recv_error(sock)["code"] == "hello_required"
        sock.send(b"\x00" * (wire.MAX_FRAME + 4096))                     # oversize: libzmq drops the peer
        submit_many(net[V1], 10)
        wait_for(at_county(net, 10), timeout=60, what="the real village keeps flowing")
        assert count(net[T], "SELECT SUM(count) FROM sync_refusals WHERE code IN ('bad_frame', 'version')") >= 3
    finally:
        sock.close(0)


def test_f_twenty_megabyte_blob_resumes_after_a_cut(tmp_path):
    import hashlib
    import os
    from common.node import open_db
    from common.store import blobs
    from common.store.db import transaction
    net, proxy = proxied_network(tmp_path)
    procs = {code: NodeProcess(cfg).start() for code, cfg in net.items()}
    try:
        data = os.urandom(20 * 1024 * 1024)
        sha = hashlib.sha256(data).hexdigest()
        conn = open_db(net[V1])
        with transaction(conn):
            blobs.put(conn, net[V1].data_dir, data)
        conn.close()
        proxy.throttle(4 * 1024 * 1024)
        submit_many(net[V1], 1, materials=[{"name": "建房设计图", "sha256": sha, "size": len(data)}])
        have = lambda cfg: count(cfg, "SELECT COALESCE(MAX(have), 0) FROM blobs WHERE sha256 = ?", sha)
        wait_for(lambda: have(net[T]) > 6 * 1024 * 1024, timeout=60, what="a third of the blob")
        proxy.drop()                                    # cut midway
        at_cut = have(net[T])
        assert 0 < at_cut < len(data)
        forwarded_before = proxy.forwarded
        proxy.resume()
        proxy.throttle(8 * 1024 * 1024)
        wait_for(lambda: count(net[T], "SELECT complete FROM blobs WHERE sha256 = ?", sha) == 1,
                 timeout=120, what="blob complete at the township")
        resent = proxy.forwarded - forwarded_before
        assert resent < len(data) - at_cut + 2 * 1024 * 1024, "the transfer restarted instead of resuming"
        assert hashlib.sha256(blobs.path_of(net[T].data_dir, sha).read_bytes()).hexdigest() == sha
        wait_for(lambda: count(net["county"], "SELECT complete FROM blobs WHERE sha256 = ?", sha) == 1,
                 timeout=120, what="and relayed on to the county")
        assert hashlib.sha256(blobs.path_of(net["county"].data_dir, sha).read_bytes()).hexdigest() == sha
    finally:
        for p in procs.values():
            p.stop()
        proxy.stop()


def test_g_county_restored_from_an_older_backup_ends_up_with_everything(running, tmp_path):
    import subprocess
    import sys
    net, procs = running
    county = net["county"]
    submit_many(net[V1], 30)
    wait_for(at_county(net, 30), timeout=60, what="first 30")
    decide_at_county(county)
    backup = tmp_path / "county-backup.db"
    assert subprocess.run([sys.executable, "-m", "common", "backup", str(backup), "--data", str(county.data_dir)],
                          capture_output=True).returncode == 0
    submit_many(net[V1], 20)
    submit_many(net[V2], 20)
    wait_for(at_county(net, 70), timeout=60, what="70 before the disaster")
    assert decide_at_county(county) == 40          # decisions the backup will not have
    wait_for(lambda: count(net[V2], "SELECT COUNT(*) FROM applications WHERE state = 'approved'") == 20,
             timeout=60, what="decisions reached the village")
    procs["county"].stop()
    r = subprocess.run([sys.executable, "-m", "common", "restore", str(backup), "--yes", "--data",
                        str(county.data_dir)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert count(county, "SELECT COUNT(*) FROM applications") == 30
    procs["county"] = NodeProcess(county).start()
    wait_for(lambda: count(county, "SELECT COUNT(*) FROM applications WHERE state = 'approved'") == 70,
             timeout=120, what="the county has everything again, decisions included")
    assert count(county, "SELECT COUNT(*) FROM events") == 70 * 5
    assert count(county, "SELECT COUNT(*) FROM sync_quarantine") == 0
