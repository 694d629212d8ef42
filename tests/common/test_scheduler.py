from datetime import datetime, timedelta, timezone

from common.scheduler import Job, Scheduler, purge_sessions
from common.store import db, sessions
from tests.helpers import make_node, wait_for


def test_scheduler_runs_jobs_and_survives_a_failing_one(tmp_path):
    cfg = make_node(tmp_path, "county")
    seen = []

    def boom(conn, cfg):
        raise RuntimeError("job bug")

    sched = Scheduler(cfg, [Job("ok", lambda conn, cfg: seen.append(1), 0.2), Job("boom", boom, 0.2)])
    sched.start()
    try:
        wait_for(lambda: len(seen) >= 2, timeout=10, what="two runs")
    finally:
        sched.stop()
    assert sched.runs["ok"] >= 2 and "boom" not in sched.runs


def test_purge_sessions(tmp_path):
    cfg = make_node(tmp_path, "county")
    conn = db.connect(cfg.db_path)
    old = (datetime.now(timezone.utc) - timedelta(hours=2)).isoformat()
    with db.transaction(conn):
        sessions.save(conn, "old-token", None, "{}", old, old)
        sessions.save(conn, "new-token", None, "{}", db.now_iso(), db.now_iso())
    assert purge_sessions(conn, cfg) == 1
    assert sessions.get(conn, "new-token") and not sessions.get(conn, "old-token")
