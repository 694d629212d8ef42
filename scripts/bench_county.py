"""Ten years of a county on one hub (issue 18): how fast every staff page answers at N applications.

    python scripts/bench_county.py --apps 240000 --json            # two years of a large county
    python scripts/bench_county.py --apps 1200000 --data /srv/b    # ten years (seeding takes long)
    python scripts/bench_county.py --data /srv/b --reuse --json    # time again on what was seeded

Seeds a county database through the demo's history generator (each application a story the
strict state machine tells: 12 townships × 5 villages, the catalog's village items, supplements,
denials, ratings, rectifications, complaints; the years back from today at ~120,000 a year, the
last weeks still open), then starts the county with `sanji serve`, signs in as its real staff and
times, over HTTP, the pages and APIs they open every day (median of 5 requests each), one
supervision sweep, the start time, peak RSS, database size and `sanji backup`. Prints one JSON
object (--json) or a table.
"""
import argparse
import json
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PASSWORD = "bench-county-1"
COUNTY = "371399"
PER_YEAR = 120_000
STAFF = [("mz", "民政局审批", "county_approver:MZ"), ("rs", "人社局审批", "county_approver:RS"),
         ("reviewer", "上报件审核", "county_reviewer"), ("supervisor", "电子监察", "supervisor")]


def villages():
    """12 townships × 5 villages of the bench county."""
    return [f"{COUNTY}{t:03d}{v:03d}" for t in range(101, 113) for v in range(1, 6)]


def seed(cfg, n, progress, places=None, route=False):
    """N applications' events from PLACES (default: every village) into the database CFG, day by day,
    oldest first; ROUTE: also queue each on the node's sync links, as a live node does. Returns
    {apps, events, s}."""
    from common import clock as business_clock
    from common.demo import history
    from common.node import open_db
    from common.store import applications, catalog
    from common.store import calendar as cal_store
    from common.store.db import transaction
    conn = open_db(cfg)
    items = [catalog.item(conn, i["code"]) for i in catalog.items(conn)]
    cal, today = cal_store.load_cached(conn), business_clock.today(cfg)
    rng = random.Random(18)
    usable = [i for i in items if i["accept_tier"] == "village"]
    forms = {i["code"]: history.fill_form(i, rng, today) for i in usable}
    usable = [i for i in usable if forms[i["code"]] is not None]
    voice = [i for i in usable if i["case_type"] == "voice"]
    plain = [i for i in usable if i["case_type"] != "voice"]
    years = max(1.0, n / PER_YEAR)
    days, day = [], today
    while day > today - timedelta(days=round(365 * years)):
        day -= timedelta(days=1)
        if cal.is_workday(day):
            days.append(day)
    days.reverse()
    places = places or villages()
    started, made, events, pending = time.monotonic(), 0, 0, []
    for k, day in enumerate(days):
        share = n * (k + 1) // len(days) - n * k // len(days)
        for _ in range(share):
            village = rng.choice(places)
            item = rng.choice(voice) if rng.random() < 0.12 else rng.choice(plain)
            story = history.Story(item, village, history.person(rng, item, day), forms[item["code"]], history._moment(day, rng),
                                  proxy_by="clerk" if rng.random() < 0.3 else "")
            history.tell(story, cal, rng, today, village)
            pending.extend(story.events)
            made += 1
        if len(pending) >= 20_000 or k == len(days) - 1:
            with transaction(conn):
                for event in pending:
                    applications.ingest(conn, event, trusted=True, route=route)
            events += len(pending)
            pending = []
            progress(made, n, time.monotonic() - started)
    conn.close()
    return {"apps": made, "events": events, "seconds": round(time.monotonic() - started, 1)}


AUDIT_PER_APP = 4  # staff opening, deciding and searching cases: the county's audit rows per application


def seed_audit(cfg, apps, progress):
    """Top the audit log up to AUDIT_PER_APP records per application (staff viewing and deciding cases,
    as the county's staff do); returns the records added."""
    from common.node import open_db
    from common.store import audit
    from common.store.db import now_iso, transaction
    conn = open_db(cfg)
    have = conn.execute("SELECT COUNT(*) FROM audit_log").fetchone()[0]
    ids = [r[0] for r in conn.execute("SELECT id FROM applications ORDER BY rowid")]
    rng, wanted, added = random.Random(19), AUDIT_PER_APP * apps - have, 0
    actions = ["case.viewed", "case.viewed", "application.step_passed", "application.approved", "case.searched"]
    last = conn.execute("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1").fetchone()
    seq, prev = (last[0], last[1]) if last else (0, audit.GENESIS)
    detail = json.dumps({"what": "bench"}, ensure_ascii=False, sort_keys=True)
    while added < wanted:  # the rows audit.record writes, chained the same way, written 50,000 at a time
        rows = []
        for _ in range(min(50_000, wanted - added)):
            seq += 1
            row = (seq, now_iso(), rng.choice(STAFF)[0], rng.choice(actions), rng.choice(ids), detail,
                   "10.1.0.%d" % rng.randint(2, 250))
            digest = audit._digest(prev, *row)
            rows.append((*row, prev, digest))
            prev = digest
        with transaction(conn):
            conn.executemany("INSERT INTO audit_log (seq, at, actor, action, target, detail, ip, prev_hash, hash)"
                             " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        added += len(rows)
        progress(added, wanted)
    conn.close()
    return max(0, added)


def make_node_at(data, tier, code):
    """A fresh node of TIER with CODE in DATA (its parent never reached: nothing is sent); returns its config."""
    from common.node import init_node
    cfg, _ = init_node(data, tier, f"基准{tier}", code, "tcp://127.0.0.1:9", {"web_port": 0, "sync_port": 0},
                       admin_password=PASSWORD)
    return cfg


def tier_storage(data, n, progress):
    """Bytes per application at one township (its 5 villages' share of N) and one village (its share),
    seeded through the same stories into nodes of those tiers beside DATA (DATA-township, DATA-village;
    kept for --reuse)."""
    out = {}
    township = f"{COUNTY}101"
    for tier, code, places in (("township", township, [v for v in villages() if v.startswith(township)]),
                               ("village", township + "001", [township + "001"])):
        folder = Path(f"{data}-{tier}")
        share = n * len(places) // len(villages())
        if not (folder / "sanji.toml").exists():
            cfg = make_node_at(folder, tier, code)
            seed(cfg, share, progress, places, route=True)
        from common import config
        cfg = config.load(folder)
        size = sum(p.stat().st_size for p in Path(cfg.db_path).parent.glob(Path(cfg.db_path).name + "*"))
        out[tier] = {"apps": share, "db_mb": round(size / 1048576, 1), "bytes_per_app": round(size / max(1, share))}
    return out


def make_county(data):
    """A fresh county node in DATA with the bench's staff; returns its config."""
    from common import accounts
    from common.node import init_node, open_db
    cfg, _ = init_node(data, "county", "基准县政务服务中心", COUNTY, "", {"web_port": 0, "sync_port": 0},
                       admin_password=PASSWORD)
    conn = open_db(cfg)
    for username, name, role in STAFF:
        accounts.add_user(conn, "county", username, name, PASSWORD, [role], actor="bench")
    conn.close()
    return cfg


class County:
    """`sanji serve` on the bench's data folder."""

    def __init__(self, data):
        self.data, self.proc = Path(data), None

    def start(self):
        url_file = self.data / "run" / "web.url"
        url_file.unlink(missing_ok=True)
        started = time.monotonic()
        self.log = open(self.data / "bench-node.log", "ab")
        self.proc = subprocess.Popen([sys.executable, "-m", "common", "serve", "--data", str(self.data)],
                                     stdout=self.log, stderr=subprocess.STDOUT, cwd=ROOT)
        deadline = time.monotonic() + 600
        while not url_file.exists():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("the county did not start: see " + str(self.data / "bench-node.log"))
            time.sleep(0.1)
        self.url = url_file.read_text().strip().rstrip("/")
        while requests.get(self.url + "/healthz", timeout=30).status_code != 200:
            time.sleep(0.1)
        return time.monotonic() - started

    def peak_rss_mb(self):
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
        return None

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def session(url, username):
    """A signed-in requests session for USERNAME (the real login form)."""
    import re
    s = requests.Session()
    page = s.get(url + "/login", timeout=60)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    r = s.post(url + "/login", data={"username": username, "password": PASSWORD, "csrf_token": token}, timeout=60)
    if r.status_code != 200 or "/login" in r.url:
        raise SystemExit(f"cannot sign in as {username}")
    home = s.get(url + "/", timeout=600)  # the signed-in session's token (the login page's was the anonymous one)
    found = re.search(r'name="csrf_token" value="([^"]+)"', home.text)
    s.headers["X-CSRF-Token"] = found.group(1) if found else token
    return s


def timed(s, method, url, repeat=5):
    """{median_ms, max_ms, bytes, status} of REPEAT requests."""
    times, size, status = [], 0, None
    for _ in range(repeat):
        t = time.perf_counter()
        r = s.request(method, url, timeout=600)
        times.append((time.perf_counter() - t) * 1000)
        size, status = len(r.content), r.status_code
    return {"median_ms": round(statistics.median(times), 1), "max_ms": round(max(times), 1), "bytes": size,
            "status": status}


def measure(data, apps):
    """Start the county on DATA and time what its staff open; returns the figures."""
    from common import config
    from common.node import open_db
    cfg = config.load(data)
    conn = open_db(cfg)
    some = conn.execute("SELECT id, tracking_code, applicant_id_number FROM applications"
                        " WHERE json_extract(doc, '$.item.department') = 'MZ' ORDER BY rowid DESC LIMIT 1 OFFSET 10").fetchone()
    counted = conn.execute("SELECT COUNT(*) FROM applications").fetchone()[0]
    conn.close()
    county = County(data)
    out = {"apps": counted, "start_s": round(county.start(), 2)}
    try:
        url = county.url
        admin, sup, mz = session(url, "admin"), session(url, "supervisor"), session(url, "mz")
        rev = session(url, "reviewer")
        today = date.today()
        month, year = f"from={today.replace(day=1)}&to={today}", f"from={today.replace(month=1, day=1)}&to={today}"
        every = f"from=2000-01-01&to={today}"
        pages = {
            "dashboard_month": (sup, "GET", f"/dashboard?{month}"),
            "dashboard_year": (sup, "GET", f"/dashboard?{year}"),
            "dashboard_all_time": (sup, "GET", f"/dashboard?{every}"),
            **{f"dashboard_year_{g}": (sup, "GET", f"/dashboard?{year}&group={g}")
               for g in ("township", "village", "item")},
            "dashboard_csv_year": (sup, "GET", f"/dashboard.csv?{year}"),
            "api_dashboard_year": (sup, "GET", f"/api/v1/dashboard?{year}"),
            "supervision": (sup, "GET", "/supervision"),
            "api_warnings": (sup, "GET", "/api/v1/supervision/warnings"),
            "home_supervisor": (sup, "GET", "/"),
            "inbox_mz": (mz, "GET", "/"),
            "api_inbox_mz": (mz, "GET", "/api/v1/county/inbox"),
            "inbox_reviewer": (rev, "GET", "/"),
            "case_page": (mz, "GET", f"/cases/{some['id']}"),
            "search_tracking_code": (mz, "GET", f"/cases/find?q={some['tracking_code']}"),
            "search_id_number": (admin, "GET", f"/cases/find?q={some['applicant_id_number']}"),
            "network_map": (admin, "GET", "/admin/nodes"),
            "audit_log": (admin, "GET", "/admin/audit"),
        }
        def sweep():
            t = time.perf_counter()
            r = sup.post(url + "/api/v1/supervision/sweep", timeout=3600)
            return {"s": round(time.perf_counter() - t, 2), "status": r.status_code,
                    "raised": r.json().get("raised") if r.ok else r.text[:200]}
        # A database never swept before (freshly seeded, or just upgraded) is caught up first, so the
        # pages are timed as staff meet them on any later day; the catch-up is reported on its own.
        out["first_sweep"] = sweep()
        out["pages"] = {name: timed(s, m, url + path) for name, (s, m, path) in pages.items()}
        out["sweep"] = sweep()
        out["peak_rss_mb"] = county.peak_rss_mb()
        target = Path(data) / "bench-backup.db"
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "common", "backup", str(target), "--data", str(data)], check=True,
                       capture_output=True, cwd=ROOT)
        out["backup_s"] = round(time.perf_counter() - t, 2)
        target.unlink(missing_ok=True)
    finally:
        county.stop()
    out["figures_match_reference"] = check_figures(cfg)
    size = sum(p.stat().st_size for p in Path(cfg.db_path).parent.glob(Path(cfg.db_path).name + "*"))
    out["db_mb"] = round(size / 1048576, 1)
    out["db_bytes_per_app"] = round(size / max(1, counted))
    return out


def check_figures(cfg):
    """{period: True} when the SQL sums equal the straightforward recomputation over projections, for every
    grouping, this month and last (older months would load years of projections into the reference)."""
    from common.node import open_db
    from common.store import applications, facts
    from common.store import calendar as cal_store
    from county_hub import queues
    from common.domain import stats
    conn = open_db(cfg)
    cal, today = cal_store.load(conn), date.today()
    first = today.replace(day=1)
    last = first - timedelta(days=1)
    out = {}
    for start, end in ((first, today), (last.replace(day=1), last)):
        docs = [applications.with_deadline(conn, d, cal) for d in queues.for_period(conn, start, end)]
        out[f"{start}..{end}"] = all(
            stats.finish(facts.figures(conn, start, end, g).values()) == stats.figures(docs, cal, start, end, g)
            for g in stats.GROUPS) and stats.trend_of(*facts.daily(conn, start, end), start, end) == \
            stats.trend(docs, start, end)
    conn.close()
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--apps", type=int, default=240_000, help="applications to seed (120,000 a year)")
    ap.add_argument("--data", help="the county's data folder (default: a temporary one, deleted after)")
    ap.add_argument("--reuse", action="store_true", help="time the county already seeded in --data")
    ap.add_argument("--tiers", action="store_true",
                    help="also seed one township and one village (their share) and report bytes per application")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    if args.apps < 1 or args.apps > 5_000_000:
        ap.error("--apps must be 1–5,000,000")
    temp = None
    data = Path(args.data) if args.data else Path(temp := tempfile.mkdtemp(prefix="bench-county-")) / "county"
    say = (lambda *a: print(*a, file=sys.stderr)) if args.json else print
    try:
        figures = {}
        if not args.reuse:
            if (data / "sanji.toml").exists():
                raise SystemExit(f"{data} already holds a node: pass --reuse to time it, or another --data")
            cfg = make_county(data)
            figures["seed"] = seed(cfg, args.apps, lambda made, n, s: say(
                f"  seeded {made:,}/{n:,} applications in {s:.0f} s"))
        from common import config
        cfg = config.load(data)
        from common.node import open_db
        t = time.monotonic()
        conn = open_db(cfg)  # a database seeded by an earlier version is migrated here: timed
        figures["migrate_s"] = round(time.monotonic() - t, 1)
        apps = conn.execute("SELECT COUNT(*) FROM applications").fetchone()[0]
        conn.close()
        t = time.monotonic()
        added = seed_audit(cfg, apps, lambda k, n: say(f"  audit records {k:,}/{n:,}"))
        figures["seed_audit"] = {"added": added, "seconds": round(time.monotonic() - t, 1)}
        figures.update(measure(data, apps))
        say(json.dumps(figures, ensure_ascii=False))  # (kept should the tiers' part fail)
        if args.tiers:
            figures["tiers"] = tier_storage(data, apps, lambda made, n, s: say(
                f"  tier: seeded {made:,}/{n:,} applications in {s:.0f} s"))
        if args.json:
            print(json.dumps(figures, ensure_ascii=False))
        else:
            for k, v in figures.items():
                print(f"{k}: {v}")
    finally:
        if temp:
            shutil.rmtree(temp, ignore_errors=True)


if __name__ == "__main__":
    main()
