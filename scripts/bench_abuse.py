#!/usr/bin/env python3
"""Abuse soak: one honest child and one hostile child against a real township process; prints JSON (issue 17).

  python scripts/bench_abuse.py --json [--seconds 300]

The hostile child (an enrolled village, speaking the protocol by hand: tests/sync/peer.py) runs
each flood in turn for an equal share of the time — garbage frames, batches past the limits,
batches of refused entries, late events (applications filled with comments, then rated late), live frames for villages that do not
exist, hello storms with fresh epochs and empty `have`, and strangers' keys knocking — while the
honest child applies once every 0.2 s and times each ack. Reported: the honest child's ack latency
(p50, p99, max, rounds, sessions lost), the township's RSS and database growth, and what it
counted (refusal rows and their total count, quarantined, held, pending keys).
The honest child first runs alone (--calibrate seconds) to measure what its own applications add to
the database per round; that share of the growth is reported apart from the growth the attack caused.
Targets (issue 17): honest p99 < 1 s, RSS growth < 50 MB, database growth from the abuse < 10 MB.
"""
import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("SANJI_ARGON2_PROFILE", "test")

import msgpack  # noqa: E402
import zmq  # noqa: E402

from common import hlc  # noqa: E402
from sync import wire  # noqa: E402
from tests.sync.netutil import COUNTY, NodeProcess, count, make_node  # noqa: E402
from tests.sync.peer import HonestChild, RawPeer  # noqa: E402

T, V1, V2 = "371399101", "371399101001", "371399101002"


def rss_kb(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def db_bytes(cfg):
    """The database's logical size (pages in use, WAL included): the WAL file's own size comes and goes."""
    import sqlite3
    conn = sqlite3.connect(f"file:{next(Path(cfg.data_dir).glob('*.db'))}?mode=ro", uri=True)
    try:
        one = lambda pragma: conn.execute(f"PRAGMA {pragma}").fetchone()[0]  # noqa: E731
        return (one("page_count") - one("freelist_count")) * one("page_size")
    finally:
        conn.close()


def db_tables(cfg, top=6):
    """The largest tables and indexes of the node's database, in KiB (where growth went)."""
    import sqlite3
    path = next(Path(cfg.data_dir).glob("*.db"))
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = conn.execute("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC LIMIT ?", (top,))
        return {name: size // 1024 for name, size in rows}
    finally:
        conn.close()


def garbage(peer, cfgs, until):
    while time.monotonic() < until:
        for _ in range(200):
            peer.sock.send(os.urandom(256))
        peer.recv(0.01)


def oversized(peer, cfgs, until):
    while time.monotonic() < until:
        entries = [(peer.seq + 1 + i, "catalog", f"c{i}", "", msgpack.packb({"pad": "A" * 6000})) for i in range(500)]
        peer.sock.send(wire.pack_batch(entries))
        peer.expect(("error", "ack"), 2)


def refused(peer, cfgs, until):
    while time.monotonic() < until:
        first = peer.seq + 1
        entries = [(first + i, "catalog", f"c{first + i}", "", msgpack.packb({"pad": "B" * 5000})) for i in range(150)]
        peer.sock.send(wire.pack_batch(entries))
        ack = peer.expect(("ack",), 5)
        if ack:
            peer.seq = ack["upto"]


def late(peer, cfgs, until):
    # Late comments are order-free (no replay); late ratings each replay the history, so the worst
    # case is an application filled to its bound with comments and then rated late, batch after batch.
    while time.monotonic() < until:
        mine = peer.submitted(cfgs[T])
        peer.batch(mine)
        old = hlc.parse(mine["hlc"]).ms - 60_000
        for _ in range(4):
            peer.batch(*[peer.event(mine["app_id"], "commented", {"text": "迟"}, hlc_ms=old) for _ in range(450)],
                       timeout=10)
        for _ in range(3):
            peer.batch(*[peer.event(mine["app_id"], "rated", {"level": 5, "channel": "kiosk"}, hlc_ms=old)
                         for _ in range(80)], timeout=10)


def phantoms(peer, cfgs, until):
    i = 0
    while time.monotonic() < until:
        for _ in range(100):
            i += 1
            peer.send("live", to=f"371399101{(i % 900) + 100:03d}", body={"kind": "presence", "origin": V2})
        peer.recv(0.01)


def hellos(peer, cfgs, until):
    i = 0
    while time.monotonic() < until:
        i += 1
        peer.hello(epoch=f"fresh-{i}", have={}, up_acked=10 ** 9, down_recv=10 ** 9)


def strangers(peer, cfgs, until):
    parent_public = zmq.auth.load_certificate(str(cfgs[T].keys_dir / "node.key"))[0]
    while time.monotonic() < until:
        ctx = zmq.Context()
        socks = []
        for _ in range(20):
            public, secret = zmq.curve_keypair()
            s = ctx.socket(zmq.DEALER)
            s.setsockopt(zmq.LINGER, 0)
            s.curve_publickey, s.curve_secretkey, s.curve_serverkey = public, secret, parent_public
            s.connect(f"tcp://127.0.0.1:{cfgs[T]['sync_port']}")
            s.send(b"x")
            socks.append(s)
        time.sleep(0.3)
        for s in socks:
            s.close(0)
        ctx.term()


FLOODS = [garbage, oversized, refused, late, phantoms, hellos, strangers]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=300.0, help="the whole soak (default 300)")
    ap.add_argument("--json", action="store_true", help="print only the JSON figures")
    ap.add_argument("--calibrate", type=float, default=20.0, help="seconds of honest traffic alone first (default 20)")
    args = ap.parse_args()
    import zmq.auth  # noqa: F401 (for strangers)
    root = Path(tempfile.mkdtemp(prefix="sanji-abuse-"))
    cfgs = {"county": make_node(root, "county", COUNTY)}
    cfgs[T] = make_node(root, "township", T, cfgs["county"])
    for v in (V1, V2):
        cfgs[v] = make_node(root, "village", v, cfgs[T])
    proc = NodeProcess(cfgs[T]).start()
    honest = HonestChild(cfgs[V1], cfgs[T])
    honest.start()
    honest.welcomed.wait(15)
    time.sleep(2)
    # Calibration: what the honest child's own applications add per round, alone (it goes on
    # applying during the floods; its data is not growth caused by the attack).
    cal_db, cal_rounds = db_bytes(cfgs[T]), len(honest.latencies)
    time.sleep(args.calibrate)
    per_round = (db_bytes(cfgs[T]) - cal_db) / max(1, len(honest.latencies) - cal_rounds)
    rss0, db0, rounds0 = rss_kb(proc.proc.pid), db_bytes(cfgs[T]), len(honest.latencies)
    hostile = RawPeer(cfgs[V2], cfgs[T])
    hostile.hello()
    share = args.seconds / len(FLOODS)
    per_flood = {}
    for flood in FLOODS:
        # A peer that does not read loses its session (its parent's sends hit the queue limit): open
        # it again before each flood, as a child that wants to be heard would.
        hostile.seen.clear()
        welcome = hostile.hello()
        if welcome and welcome.get("t") == "welcome":
            hostile.seq = welcome["up_recv"]
        started = len(honest.latencies)
        flood(hostile, cfgs, time.monotonic() + share)
        lat = honest.latencies[started:]
        per_flood[flood.__name__] = round(max(lat), 3) if lat else None
        if not proc.alive():
            break
    hostile.close()
    time.sleep(3)
    alive = proc.alive()
    rss1 = rss_kb(proc.proc.pid) if alive else 0
    lat = sorted(honest.latencies[rounds0:])  # the rounds during the floods only
    honest.stop()
    figures = {
        "seconds": args.seconds, "parent_alive": alive,
        "honest_rounds": len(lat), "honest_sessions_lost": honest.lost,
        "honest_ack_p50_s": round(statistics.median(lat), 4) if lat else None,
        "honest_ack_p99_s": round(lat[int(0.99 * (len(lat) - 1))], 4) if lat else None,
        "honest_ack_max_s": round(lat[-1], 4) if lat else None,
        "honest_worst_ack_by_flood_s": per_flood,
        "parent_rss_growth_mb": round((rss1 - rss0) / 1024, 1),
        "parent_db_growth_mb": round((db_bytes(cfgs[T]) - db0) / 1024 / 1024, 2),
        "honest_data_mb": round(per_round * len(lat) / 1024 / 1024, 2),
        "parent_db_growth_from_abuse_mb": round((db_bytes(cfgs[T]) - db0 - per_round * len(lat))
                                                / 1024 / 1024, 2),
        "refusal_rows": count(cfgs[T], "SELECT COUNT(*) FROM sync_refusals"),
        "refusals_counted": count(cfgs[T], "SELECT COALESCE(SUM(count), 0) FROM sync_refusals"),
        "quarantined": count(cfgs[T], "SELECT COUNT(*) FROM sync_quarantine"),
        "held": count(cfgs[T], "SELECT COUNT(*) FROM sync_held"),
        "pending_keys": count(cfgs[T], "SELECT COUNT(*) FROM sync_nodes WHERE status = 'pending'"),
        "link_rows": count(cfgs[T], "SELECT COUNT(*) FROM sync_links"),
        "largest_tables_kib": db_tables(cfgs[T]),
        "wal_kib": sum(f.stat().st_size for f in Path(cfgs[T].data_dir).glob("*.db-wal")) // 1024,
        "targets": {"honest_ack_p99_s": 1.0, "parent_rss_growth_mb": 50, "parent_db_growth_from_abuse_mb": 10},
    }
    proc.stop()
    print(json.dumps(figures, ensure_ascii=False, indent=None if args.json else 2))


if __name__ == "__main__":
    main()
