"""SQL for county meetings (county ↔ townships video meetings on a conference server)."""
import json
import secrets

from common.store.db import now_iso, sql_migration, transaction

MIGRATIONS = [
    sql_migration("county_0002_meetings", """
        CREATE TABLE meetings (
            id TEXT PRIMARY KEY,
            room TEXT NOT NULL UNIQUE,
            title TEXT NOT NULL,
            starts_at TEXT NOT NULL,
            townships TEXT NOT NULL DEFAULT '[]',
            created_by TEXT NOT NULL,
            created_at TEXT NOT NULL
        );
        CREATE INDEX meetings_start ON meetings(starts_at);
    """),
]


def create(conn, title, starts_at, townships, created_by):
    """A new meeting with an opaque room name (nothing about it or its people in the URL); its id."""
    meeting_id, room = secrets.token_hex(6), "sanji" + secrets.token_hex(10)
    with transaction(conn):
        conn.execute("INSERT INTO meetings (id, room, title, starts_at, townships, created_by, created_at)"
                     " VALUES (?, ?, ?, ?, ?, ?, ?)",
                     (meeting_id, room, title, starts_at, json.dumps(sorted(townships)), created_by, now_iso()))
    return meeting_id


def _row(r):
    return dict(r, townships=json.loads(r["townships"]))


def get(conn, meeting_id):
    """One meeting, or None."""
    r = conn.execute("SELECT * FROM meetings WHERE id = ?", (meeting_id,)).fetchone()
    return _row(r) if r else None


def upcoming(conn, since, township=None):
    """Meetings starting at or after SINCE (ISO), soonest first; only those inviting TOWNSHIP when given."""
    rows = [_row(r) for r in conn.execute("SELECT * FROM meetings WHERE starts_at >= ? ORDER BY starts_at", (since,))]
    return [r for r in rows if township is None or township in r["townships"]]
