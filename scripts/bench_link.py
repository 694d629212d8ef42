#!/usr/bin/env python3
"""The slow link, measured over a real shaped line: a village's backlog crossing 64 kbit/s (issue 21).

  sudo python scripts/bench_link.py --json [--rate 64kbit] [--apps 50] [--photos 2] [--cut 30]

Linux network namespaces made (and deleted) here: the village in one, its township and the county
in the other, joined by a veth pair shaped with `tc qdisc tbf` at RATE on both ends (addresses
only inside the namespaces; nothing else on the machine is touched). The village holds APPS
applications with PHOTOS photos each (12-megapixel noisy JPEGs shrunk by the node's own code, as
an upload would be) made while it was offline; then the nodes start and the link comes up.
Measured: seconds until every application is at the county, seconds until every photo is, the
goodput (event and photo bytes delivered ÷ seconds × the line's rate), the latency of one
application made while the photos drain and of one decision sent down meanwhile, the village's
link flaps, and the bytes the village put on the wire beyond what was delivered after a CUT-second
outage in the middle of the photos. Without root (or without `ip`/`tc`) it prints why and exits 0.
"""
import argparse
import io
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("SANJI_ARGON2_PROFILE", "test")

T, V, C = "371399101", "371399101001", "371399"
V_ADDR, T_ADDR = "10.77.0.1", "10.77.0.2"
RATES = {"64kbit": 8_000, "256kbit": 32_000, "512kbit": 64_000, "2mbit": 250_000}


def sh(*cmd, ns=None, check=True):
    full = (["ip", "netns", "exec", ns] if ns else []) + list(cmd)
    return subprocess.run(full, check=check, capture_output=True, text=True).stdout


class ShapedLine:
    """Two namespaces joined by a veth pair, tbf-shaped both ways; deleted on exit."""

    def __init__(self, rate, tag, delay_ms=0):
        self.rate, self.v_ns, self.t_ns, self.delay_ms = rate, f"sanji-v-{tag}", f"sanji-t-{tag}", delay_ms

    def __enter__(self):
        for ns in (self.v_ns, self.t_ns):
            sh("ip", "netns", "add", ns)
            sh("ip", "link", "set", "lo", "up", ns=ns)
        sh("ip", "link", "add", "sjv", "netns", self.v_ns, "type", "veth", "peer", "name", "sjt", "netns", self.t_ns)
        for ns, dev, addr in ((self.v_ns, "sjv", V_ADDR), (self.t_ns, "sjt", T_ADDR)):
            sh("ip", "addr", "add", f"{addr}/30", "dev", dev, ns=ns)
            sh("ip", "link", "set", dev, "up", ns=ns)
            sh("tc", "qdisc", "add", "dev", dev, "root", "handle", "1:", "tbf", "rate", self.rate, "burst", "4kb",
               "latency", "400ms", ns=ns)
            if self.delay_ms:  # a GPRS/EDGE round trip: half each way, behind the shaper
                sh("tc", "qdisc", "add", "dev", dev, "parent", "1:1", "handle", "10:", "netem", "delay",
                   f"{self.delay_ms // 2}ms", ns=ns)
        return self

    def set_up(self, up):
        """Cut the line (or mend it), as a storm takes a village's mast down."""
        sh("ip", "link", "set", "sjv", "up" if up else "down", ns=self.v_ns)

    def village_tx_bytes(self):
        """Bytes the village's side has put on the line."""
        return int(sh("cat", "/sys/class/net/sjv/statistics/tx_bytes", ns=self.v_ns).strip())

    def village_tcp(self):
        """(segments sent, segments retransmitted) by the village's TCP (what the shaper's drops cost)."""
        lines = [ln.split() for ln in sh("cat", "/proc/net/snmp", ns=self.v_ns).splitlines() if ln.startswith("Tcp:")]
        row = dict(zip(lines[0][1:], map(int, lines[1][1:])))
        return row["OutSegs"], row["RetransSegs"]

    def __exit__(self, *exc):
        for ns in (self.v_ns, self.t_ns):
            sh("ip", "netns", "del", ns, check=False)


def noisy_photo(seed, kind="document"):
    """A 12 MP JPEG shrunk the way an upload is: a photographed A4 page with grain ("document", as
    scripts/bench_photo_legibility.py makes it), or coloured blotches that barely compress ("grain",
    the worst case, and the photos of the figures before issue 21)."""
    from PIL import Image

    from common import photos
    sys.path.insert(0, str(ROOT / "scripts"))
    import bench_photo_legibility as legibility
    font = legibility.font_path()
    if kind == "document" and font:
        upload = legibility.page(font, legibility.charset(seed), seed)[0]
    else:
        img = Image.frombytes("RGB", (150, 200), random.Random(seed).randbytes(200 * 150 * 3)).resize((3000, 4000))
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=90)
        upload = buf.getvalue()
    return photos.normalise(upload)[0]


def node(root, tier, code, parent="", settings=None):
    from common.node import init_node
    from tests.sync.netutil import ADMIN_PASSWORD, free_port
    base = {"web_port": free_port(), "sync_port": free_port() if tier != "village" else 0}
    cfg, _ = init_node(Path(root) / code, tier, f"{tier}-{code}", code, parent, dict(base, **(settings or {})),
                       ADMIN_PASSWORD)
    return cfg


def start(cfg, ns):
    log = open(Path(cfg.data_dir) / "node.log", "ab")
    return subprocess.Popen(["ip", "netns", "exec", ns, sys.executable, "-m", "common", "serve", "--data",
                             str(cfg.data_dir)], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=dict(os.environ))


def q(cfg, sql, *args):
    from tests.sync.netutil import count
    return count(cfg, sql, *args)


def wait(pred, timeout):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(0.2)
    return False


def decide_one(cfg, app_id):
    from common.hlc import Clock
    from common.node import open_db
    from common.store import applications as apps
    from common.store.db import transaction
    conn = open_db(cfg)
    clock = Clock(cfg["code"])
    with transaction(conn):
        apps.append(conn, clock, C, app_id, "accepted", "approver")
        apps.append(conn, clock, C, app_id, "step_passed", "approver", {"step": "review"})
        apps.append(conn, clock, C, app_id, "approved", "approver", {"note": "准予"})
    conn.close()


def resent(cfg):
    """Bytes the village's link has sent a second time (a batch after a cut, a chunk asked again)."""
    try:
        return q(cfg, "SELECT bytes_resent FROM sync_links WHERE link = 'up'")
    except Exception:  # a version before links counted what they re-sent
        return 0


def photo_bytes_at(cfg):
    """Bytes of photos the township holds so far (complete or not)."""
    return q(cfg, "SELECT COALESCE(SUM(have), 0) FROM blobs")


def chunk_of(cfg):
    """The chunk size the village's line carries now (what the township asks for at its measured rate)."""
    from sync.limits import Limits
    rate = q(cfg, "SELECT rate_out FROM sync_links WHERE link = 'up'") or 0
    return int(rate * Limits.chunk_seconds) // 4096 * 4096


def scenario(rate, n_apps, n_photos, cut, timeout, idle=0, kind="document", rtt_ms=0):
    from common.node import open_db
    from common.store import blobs
    from common.store.db import transaction
    from tests.sync.netutil import enrol, submit_many
    root = Path(tempfile.mkdtemp(prefix="sanji-link-"))
    county = node(root, "county", C)
    township = node(root, "township", T, f"tcp://127.0.0.1:{county['sync_port']}", {"sync_host": T_ADDR})
    enrol(county, township)
    village = node(root, "village", V, f"tcp://{T_ADDR}:{township['sync_port']}")
    enrol(township, village)
    # The weeks offline: applications with their photos, all waiting in the village.
    photo_bytes, event_ids = 0, []
    conn = open_db(village)
    for a in range(n_apps):
        materials = []
        for p in range(n_photos):
            jpeg = noisy_photo(a * 10 + p, kind)
            with transaction(conn):
                sha = blobs.put(conn, village.data_dir, jpeg)
            materials.append({"name": "材料照片", "sha256": sha, "size": len(jpeg)})
            photo_bytes += len(jpeg)
        event_ids += submit_many(village, 1, materials=materials)
    event_bytes = conn.execute("SELECT COALESCE(SUM(length(body)), 0) FROM sync_outbox WHERE link = 'up'").fetchone()[0]
    conn.close()
    n_blobs = n_apps * n_photos
    figures = {"rate": rate, "bytes_per_s": RATES.get(rate), "apps": n_apps, "photos": n_blobs, "kind": kind,
               "photo_kib_mean": round(photo_bytes / max(1, n_blobs) / 1024, 1), "event_kib": round(event_bytes / 1024, 1)}
    at_county = lambda: q(county, "SELECT COUNT(*) FROM applications WHERE custody = ?", C)  # noqa: E731
    blobs_at = lambda: q(county, "SELECT COUNT(*) FROM blobs WHERE complete = 1")  # noqa: E731
    figures["rtt_ms"] = rtt_ms
    with ShapedLine(rate, os.getpid(), rtt_ms) as line:
        procs = [start(county, line.t_ns), start(township, line.t_ns)]
        time.sleep(3)
        procs.append(start(village, line.v_ns))
        t0 = time.monotonic()
        try:
            figures["events_at_county_s"] = round(time.monotonic() - t0, 1) if wait(
                lambda: at_county() >= n_apps, timeout) else None
            # While the photos drain: a new application up, a decision down.
            wait(lambda: blobs_at() >= max(1, n_blobs // 4), timeout)
            t_new = time.monotonic()
            submit_many(village, 1)
            figures["new_application_latency_s"] = round(time.monotonic() - t_new, 1) if wait(
                lambda: at_county() >= n_apps + 1, 120) else None
            t_dec = time.monotonic()
            decide_one(county, event_ids[0])
            figures["decision_latency_s"] = round(time.monotonic() - t_dec, 1) if wait(
                lambda: q(village, "SELECT COUNT(*) FROM applications WHERE state = 'approved'") == 1, 120) else None
            if cut:  # in the middle of the photos, as the township receives them
                wait(lambda: photo_bytes_at(township) >= photo_bytes // 2, timeout)
                served = resent(village)
                figures["chunk_bytes"] = chunk_of(village)  # what the line carries per chunk, just before the cut
                line.set_up(False)
                time.sleep(cut)
                line.set_up(True)
                t_up, held = time.monotonic(), photo_bytes_at(township)
                if held < photo_bytes:  # (a small run may be through before the cut: nothing to resume)
                    figures["resumed_after_s"] = round(time.monotonic() - t_up, 1) if wait(
                        lambda: photo_bytes_at(township) > held, timeout) else None
            done = wait(lambda: blobs_at() >= n_blobs, timeout)
            seconds = time.monotonic() - t0
            figures["photos_at_county_s"] = round(seconds, 1) if done else None
            wire = line.village_tx_bytes()
            delivered = photo_bytes + event_bytes
            figures["village_wire_bytes"] = wire
            segs, retrans = line.village_tcp()
            figures["tcp_retransmitted_share"] = round(retrans / max(1, segs), 4)
            figures["wire_per_delivered_byte"] = round(wire / max(1, delivered), 3)
            if RATES.get(rate):
                figures["goodput"] = round(delivered / ((seconds - cut) * RATES[rate]), 3) if done else None
            try:
                figures["village_flaps"] = q(village, "SELECT flaps FROM sync_links WHERE link = 'up'")
            except Exception:  # a version before links counted their flaps
                figures["village_flaps"] = None
            if cut:
                time.sleep(2.5)  # the link's counters are written every 2 s
                figures["resent_after_cut_bytes"] = resent(village) - served
            if idle:  # an idle line's heartbeats, both ways, as the village's side carries them
                from sync.limits import Limits
                time.sleep(Limits.idle_after + 5)  # once both sides have slowed to the idle beat
                before = line.village_tx_bytes()
                time.sleep(idle)
                figures["idle_bytes_per_hour"] = round((line.village_tx_bytes() - before) * 3600 / idle)
        finally:
            for p in procs:
                p.send_signal(signal.SIGTERM)
            for p in procs:
                try:
                    p.wait(15)
                except subprocess.TimeoutExpired:
                    p.kill()
    shutil.rmtree(root, ignore_errors=True)
    return figures


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rate", default="64kbit", help="tc rate of the line, e.g. 64kbit, 256kbit, 2mbit")
    ap.add_argument("--apps", type=int, default=50)
    ap.add_argument("--photos", type=int, default=2, help="photos per application")
    ap.add_argument("--cut", type=float, default=30.0, help="seconds the line is cut mid-photos (0: no cut)")
    ap.add_argument("--timeout", type=float, default=7200.0, help="give up on a phase after this many seconds")
    ap.add_argument("--idle", type=float, default=60.0, help="seconds of idle line measured at the end (0: none)")
    ap.add_argument("--rtt", type=int, default=0, help="round trip added by netem, in ms (GPRS: 600-2000)")
    ap.add_argument("--kind", choices=("document", "grain"), default="document",
                    help="photos of A4 pages (default) or of barely compressible grain (the worst case)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    missing = [t for t in ("ip", "tc") if not shutil.which(t)]
    if os.geteuid() != 0 or missing:
        print(json.dumps({"skipped": "needs root and ip/tc (network namespaces)" + (f"; missing {missing}" if missing
                                                                                  else "")}))
        return
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # killed: still delete the namespaces and stop the nodes
    figures = scenario(args.rate, args.apps, args.photos, args.cut, args.timeout, args.idle, args.kind, args.rtt)
    print(json.dumps(figures, ensure_ascii=False, indent=None if args.json else 2))


if __name__ == "__main__":
    main()
