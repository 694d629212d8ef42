"""SQL of the external approval adapter: a durable queue of cases handed to an outside approval system."""
from datetime import datetime, timedelta, timezone

from common.domain.states import AWAITING_INTAKE
from common.store.db import now_iso, sql_migration, transaction

MIGRATIONS = [
    sql_migration("county_0001_external_cases", """
        CREATE TABLE external_cases (
            app_id TEXT PRIMARY KEY,
            state TEXT NOT NULL CHECK (state IN ('pending', 'submitted', 'done')),
            external_id TEXT NOT NULL DEFAULT '',
            remote_status TEXT NOT NULL DEFAULT '',
            attempts INTEGER NOT NULL DEFAULT 0,
            next_try TEXT NOT NULL,
            last_error TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX external_cases_due ON external_cases(state, next_try);
    """),
]


def enqueue_arrivals(conn, me):
    """Queue every case the county holds that has not been handed over yet (forwarded or received here)."""
    now = now_iso()
    with transaction(conn):
        cur = conn.execute(
            "INSERT OR IGNORE INTO external_cases (app_id, state, next_try, created_at, updated_at)"
            " SELECT id, 'pending', ?, ?, ? FROM applications WHERE custody = ?"
            f" AND state IN ({', '.join('?' * len(AWAITING_INTAKE))})", (now, now, now, me, *AWAITING_INTAKE))
        return cur.rowcount


def due(conn, state, limit=50):
    """Cases in STATE whose next try has come."""
    return [dict(r) for r in conn.execute("SELECT * FROM external_cases WHERE state = ? AND next_try <= ?"
                                          " ORDER BY next_try LIMIT ?", (state, now_iso(), limit))]


def by_external_id(conn, external_id):
    """The case the outside system calls EXTERNAL_ID, or None."""
    row = conn.execute("SELECT * FROM external_cases WHERE external_id = ?", (external_id,)).fetchone()
    return dict(row) if row else None


def update(conn, app_id, **values):
    """Set VALUES on APP_ID's row (joins the caller's transaction)."""
    values["updated_at"] = now_iso()
    sets = ", ".join(f"{k} = ?" for k in values)
    conn.execute(f"UPDATE external_cases SET {sets} WHERE app_id = ?", [*values.values(), app_id])


def failed(conn, row, error, backoff_seconds):
    """Record a failed try of ROW and when to try again."""
    later = (datetime.now(timezone.utc) + timedelta(seconds=backoff_seconds)).isoformat(timespec="milliseconds")
    with transaction(conn):
        update(conn, row["app_id"], attempts=row["attempts"] + 1, last_error=str(error)[:300], next_try=later)


def health(conn):
    """{pending, submitted, done, failing, last_error}: what the dashboard shows of the outside system."""
    counts = dict(conn.execute("SELECT state, COUNT(*) FROM external_cases GROUP BY state").fetchall())
    failing = conn.execute("SELECT COUNT(*), MAX(updated_at) FROM external_cases WHERE last_error != ''"
                           " AND state != 'done'").fetchone()
    last = conn.execute("SELECT last_error FROM external_cases WHERE last_error != '' AND state != 'done'"
                        " ORDER BY updated_at DESC LIMIT 1").fetchone()
    return {"pending": counts.get("pending", 0), "submitted": counts.get("submitted", 0), "done": counts.get("done", 0),
            "failing": failing[0], "since": failing[1], "last_error": last[0] if last else ""}
