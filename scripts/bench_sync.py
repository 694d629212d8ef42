#!/usr/bin/env python3
"""Sync throughput benchmark: prints one JSON object (see issue 3).

  python scripts/bench_sync.py --json [--apps 4000]

end to end : APPS applications waiting at two villages (as after a long outage), from the moment
             both village links are up until every one is durably stored at the township and the
             county (custody taken at each) and acknowledged, with real node processes; every link
             runs through a pass-through FaultProxy that counts the bytes on the wire. Creating
             them at the kiosk is timed apart (creation_apps_per_s), as the baselines below also
             start from applications that already exist.
http       : the same applications sent one HTTP POST each (requests, two client threads) to a
             waitress+Flask endpoint that commits each to SQLite — what a team would write without
             a sync layer.
sqlite     : the events the county ends up holding for those applications, inserted durably in
             batches of 500 into one SQLite file with the same table: the bound.

Each measure is taken --runs times (default 3) and the median is reported, because a 2-core
machine running four node processes is noisy; every run's figure is listed under "runs".
"""
import statistics
import argparse
import json
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("SANJI_ARGON2_PROFILE", "test")  # throwaway admin accounts in the bench network

from common.node import open_db  # noqa: E402
from common.store import db  # noqa: E402
from common.store.migrations import COMMON  # noqa: E402
from tests.sync.faultproxy import FaultProxy  # noqa: E402
from tests.helpers import wait_for  # noqa: E402
from tests.sync import netutil  # noqa: E402

T, V1, V2 = "371399101", "371399101001", "371399101002"


def build_network(root):
    """County, township and two villages, every link through a counting FaultProxy."""
    net = {"county": netutil.make_node(root, "county", netutil.COUNTY)}
    up = FaultProxy(("127.0.0.1", net["county"]["sync_port"])).start()
    net[T] = netutil.make_node(root, "township", T, net["county"], parent_endpoint=f"tcp://127.0.0.1:{up.port}")
    proxies = [up]
    for v in (V1, V2):
        p = FaultProxy(("127.0.0.1", net[T]["sync_port"])).start()
        proxies.append(p)
        net[v] = netutil.make_node(root, "village", v, net[T], parent_endpoint=f"tcp://127.0.0.1:{p.port}")
    return net, proxies


def end_to_end(root, apps):
    """Drain APPS waiting applications through real node processes; (figures, county events)."""
    net, proxies = build_network(root)
    half = apps // 2
    created = time.perf_counter()
    for v in (V1, V2):
        _create(net[v], half)
    creation_rate = 2 * half / (time.perf_counter() - created)
    procs = [netutil.NodeProcess(net[code]).start() for code in ("county", T)]
    village_lines = proxies[1:]
    try:
        villages = [open_db(net[v]) for v in (V1, V2)]
        for line in village_lines:
            line.stall()  # both villages connect and say hello into a held line ...
        procs += [netutil.NodeProcess(net[v]).start(wait=False) for v in (V1, V2)]
        wait_for(lambda: all(line.connections for line in village_lines), timeout=60, interval=0.005,
                 what="both villages connected")
        before = sum(p.forwarded for p in proxies)
        start = time.perf_counter()
        for line in village_lines:
            line.resume()  # ... and both lines open at the same instant, when the clock starts
        county = open_db(net["county"])

        def done():
            # Cheap checks first, so polling takes as little as possible of the two cores it measures.
            acked = all(c.execute("SELECT acked_upto >= (SELECT MAX(seq) FROM sync_outbox WHERE link = 'up')"
                                  " FROM sync_links WHERE link = 'up'").fetchone()[0] for c in villages)
            relayed = acked and county.execute("SELECT recv_upto FROM sync_links WHERE link = ?",
                                               (T,)).fetchone()[0] >= 4 * half
            return relayed and county.execute("SELECT COUNT(*) FROM applications WHERE custody = ?",
                                              (netutil.COUNTY,)).fetchone()[0] == 2 * half
        wait_for(done, timeout=170, interval=0.02, what="all applications at the county")
        seconds = time.perf_counter() - start
        wire = sum(p.forwarded for p in proxies) - before
        n = 2 * half
        held = county.execute("SELECT COUNT(*) FROM applications").fetchone()[0]
        submitted = county.execute("SELECT COUNT(*) FROM events WHERE type = 'submitted'").fetchone()[0]
        township_receipts = county.execute("SELECT COUNT(*) FROM events WHERE type IN ('received', 'forwarded')"
                                           " AND origin = ?",
                                           (T,)).fetchone()[0]
        events = [tuple(r) for r in county.execute("SELECT id, app_id, origin, hlc, actor, type, payload FROM events")]
        return {"apps": n, "seconds": round(seconds, 3), "apps_per_s": round(n / seconds, 1),
                "creation_apps_per_s": round(creation_rate, 1),
                "lost": n - held, "duplicated": max(0, submitted - n) + max(0, township_receipts - n),
                "wire_bytes_per_app": round(wire / n, 1)}, events
    finally:
        for p in procs:
            p.stop()
        for p in proxies:
            p.stop()


def _create(cfg, n, chunk=500):
    for i in range(0, n, chunk):
        netutil.submit_many(cfg, min(chunk, n - i))


def http_baseline(root, events):
    """One POST per application to waitress+Flask committing each to SQLite (WAL, synchronous=FULL)."""
    import requests
    from flask import Flask, request

    from common.runtime import WebServer

    path = Path(root) / "http.db"
    conn = db.connect(path)
    db.migrate(conn, COMMON)
    conn.close()
    app = Flask("baseline")
    local = threading.local()

    @app.post("/apps")
    def post():
        c = getattr(local, "conn", None) or db.connect(path)
        local.conn = c
        e = request.get_json()
        with db.transaction(c):
            c.execute("INSERT INTO events (id, app_id, origin, hlc, actor, type, payload, stored_at)"
                      " VALUES (?, ?, ?, ?, ?, ?, ?, ?)", (e["id"], e["app_id"], e["origin"], e["hlc"], e["actor"],
                                                           e["type"], e["payload"], db.now_iso()))
        return {"ok": True}, 201

    server = WebServer(app, "127.0.0.1", 0, threads=4)
    runner = threading.Thread(target=server.run, daemon=True)
    runner.start()
    url = server.url + "apps"
    submitted = [e for e in events if e[5] == "submitted"]
    sizes = []

    def client(part):
        s = requests.Session()
        for e in part:
            body = dict(zip(("id", "app_id", "origin", "hlc", "actor", "type", "payload"), e))
            r = s.post(url, json=body)
            req = r.request
            sizes.append(len(req.body or b"") + sum(len(k) + len(v) + 4 for k, v in req.headers.items()) + 40
                         + len(r.content) + sum(len(k) + len(v) + 4 for k, v in r.headers.items()) + 20)
    halves = [submitted[0::2], submitted[1::2]]
    start = time.perf_counter()
    threads = [threading.Thread(target=client, args=(h,)) for h in halves]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - start
    server.stop()
    runner.join(5)
    return len(submitted) / seconds, sum(sizes) / len(sizes)


def sqlite_bound(root, events, n_apps, batch=500):
    """Applications per second when their events are inserted durably in batches, no network."""
    path = Path(root) / "bound.db"
    conn = db.connect(path)
    db.migrate(conn, COMMON)
    start = time.perf_counter()
    for i in range(0, len(events), batch):
        with db.transaction(conn):
            conn.executemany("INSERT INTO events (id, app_id, origin, hlc, actor, type, payload, stored_at)"
                             " VALUES (?, ?, ?, ?, ?, ?, ?, ?)", [(*e, db.now_iso()) for e in events[i:i + batch]])
    seconds = time.perf_counter() - start
    return n_apps / seconds


def main():
    """Run every measure --runs times and print the medians as one JSON object."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--apps", type=int, default=4000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", action="store_true", help="print only the JSON object")
    args = parser.parse_args()
    runs, https, bounds = [], [], []
    for i in range(max(1, args.runs)):
        with tempfile.TemporaryDirectory() as root:
            result, events = end_to_end(root, args.apps)
            runs.append(result)
            https.append(http_baseline(root, events))
            bounds.append(sqlite_bound(root, events, result["apps"]))
    result = sorted(runs, key=lambda r: r["apps_per_s"])[len(runs) // 2]
    http_rate = statistics.median(h[0] for h in https)
    bound = statistics.median(bounds)
    result.update(lost=sum(r["lost"] for r in runs), duplicated=sum(r["duplicated"] for r in runs),
                  http_baseline_apps_per_s=round(http_rate, 1), ratio_vs_http=round(result["apps_per_s"] / http_rate, 2),
                  sqlite_bound_apps_per_s=round(bound, 1), ratio_vs_sqlite_bound=round(result["apps_per_s"] / bound, 3),
                  http_bytes_per_app=round(statistics.median(h[1] for h in https), 1),
                  events_per_app_at_county=round(len(events) / result["apps"], 2),
                  runs={"apps_per_s": [r["apps_per_s"] for r in runs],
                        "http_apps_per_s": [round(h[0], 1) for h in https],
                        "sqlite_bound_apps_per_s": [round(b, 1) for b in bounds]})
    print(json.dumps(result, indent=None if args.json else 2))


if __name__ == "__main__":
    main()
