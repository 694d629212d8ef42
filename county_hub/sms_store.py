"""SQL of the SMS outbox: messages queued once by key, tried until sent, the opt-out list, the event cursor."""
from datetime import datetime, timedelta, timezone

from common.jsontext import dumps
from common.domain.states import RATABLE
from common.store import meta
from common.store.item_snapshots import doc_of, payload_of
from common.store.db import now_iso, sql_migration, transaction

CURSOR = "sms_event_cursor"   # the rowid of the last event looked at
MIGRATIONS = [
    sql_migration("county_0003_sms", """
        CREATE TABLE sms_outbox (
            id TEXT PRIMARY KEY,
            app_id TEXT NOT NULL,
            phone TEXT NOT NULL,
            template TEXT NOT NULL,
            params TEXT NOT NULL,
            text TEXT NOT NULL,
            state TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'failed', 'skipped')),
            attempts INTEGER NOT NULL DEFAULT 0,
            next_try TEXT NOT NULL,
            last_error TEXT NOT NULL DEFAULT '',
            gateway_ref TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL,
            sent_at TEXT
        );
        CREATE INDEX sms_outbox_due ON sms_outbox(state, next_try);
        CREATE TABLE sms_optout (phone TEXT PRIMARY KEY, source TEXT NOT NULL, created_at TEXT NOT NULL);
        -- start after the events already held: an upgraded county does not text its whole history
        INSERT INTO meta (key, value) SELECT 'sms_event_cursor', COALESCE(MAX(rowid), 0) FROM events;
    """),
]


def new_events(conn, limit=500):
    """[(rowid, event dict)] stored since the cursor, oldest first."""
    after = int(meta.get(conn, CURSOR, 0))
    return [(r["rowid"], {"id": r["id"], "app_id": r["app_id"], "type": r["type"],
                      "payload": payload_of(conn, r["type"], r["payload"])})
            for r in conn.execute("SELECT rowid, id, app_id, type, payload FROM events WHERE rowid > ?"
                                  " ORDER BY rowid LIMIT ?", (after, limit))]


def move_cursor(conn, rowid):
    """Remember that events up to ROWID were looked at (in the caller's transaction)."""
    meta.put(conn, CURSOR, rowid)


def skip_to_end(conn):
    """Move the cursor past every event held (SMS is off: nothing is owed for that time); no write when there."""
    last = conn.execute("SELECT COALESCE(MAX(rowid), 0) FROM events").fetchone()[0]
    if last != int(meta.get(conn, CURSOR, 0)):
        meta.put(conn, CURSOR, last)


def enqueue(conn, key, app_id, phone, template, params, text):
    """Queue a message under KEY unless one is already there; True when queued now."""
    now = now_iso()
    cur = conn.execute("INSERT OR IGNORE INTO sms_outbox (id, app_id, phone, template, params, text, state, next_try,"
                       " created_at) VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?)",
                       (key, app_id, phone, template, dumps(params), text, now, now))
    return cur.rowcount == 1


def due(conn, limit=50):
    """Pending messages whose next try has come, oldest first."""
    return [dict(r) for r in conn.execute("SELECT * FROM sms_outbox WHERE state = 'pending' AND next_try <= ?"
                                          " ORDER BY created_at, id LIMIT ?", (now_iso(), limit))]


def finish(conn, key, state, gateway_ref="", error=""):
    """Mark KEY sent, failed (for good) or skipped."""
    with transaction(conn):
        conn.execute("UPDATE sms_outbox SET state = ?, gateway_ref = ?, last_error = ?, sent_at = ? WHERE id = ?",
                     (state, gateway_ref, error[:300], now_iso() if state == "sent" else None, key))


def retry_later(conn, row, error, seconds):
    """Record a failed try of ROW; try again after SECONDS."""
    later = (datetime.now(timezone.utc) + timedelta(seconds=seconds)).isoformat(timespec="milliseconds")
    with transaction(conn):
        conn.execute("UPDATE sms_outbox SET attempts = attempts + 1, last_error = ?, next_try = ? WHERE id = ?",
                     (str(error)[:300], later, row["id"]))


def rate_invites_due(conn, first_day, last_day):
    """Finished, unrated applications decided between FIRST_DAY and LAST_DAY (ISO) not yet invited to rate."""
    # `+state`: the week's decisions are read from the decided_on index, not every finished case
    # from the state index (which SQLite picks otherwise: a second at a million, every 3 s).
    return [doc_of(conn, r["doc"]) for r in conn.execute(
        f"SELECT doc FROM applications WHERE +state IN ({', '.join('?' * len(RATABLE))})"
        " AND decided_on BETWEEN ? AND ? AND json_extract(doc, '$.rating') IS NULL"
        " AND NOT EXISTS (SELECT 1 FROM sms_outbox WHERE sms_outbox.id = 'rate:' || applications.id)",
        (*RATABLE, first_day, last_day))]


def opt_out(conn, phone, source):
    """Add PHONE to the opt-out list (SOURCE: how we learnt it); True when it was not there."""
    cur = conn.execute("INSERT OR IGNORE INTO sms_optout (phone, source, created_at) VALUES (?, ?, ?)",
                       (phone, source, now_iso()))
    return cur.rowcount == 1


def opted_out(conn, phone):
    """True when PHONE asked for no more messages."""
    return conn.execute("SELECT 1 FROM sms_optout WHERE phone = ?", (phone,)).fetchone() is not None


def health(conn):
    """{pending, sent, failed, skipped, opted_out, retrying, last_error}: what the dashboard shows."""
    counts = dict(conn.execute("SELECT state, COUNT(*) FROM sms_outbox GROUP BY state").fetchall())
    retrying = conn.execute("SELECT COUNT(*) FROM sms_outbox WHERE state = 'pending' AND attempts > 0").fetchone()[0]
    last = conn.execute("SELECT last_error FROM sms_outbox WHERE state IN ('pending', 'failed') AND last_error != ''"
                        " ORDER BY next_try DESC LIMIT 1").fetchone()
    return {"pending": counts.get("pending", 0), "sent": counts.get("sent", 0), "failed": counts.get("failed", 0),
            "skipped": counts.get("skipped", 0), "retrying": retrying,
            "opted_out": conn.execute("SELECT COUNT(*) FROM sms_optout").fetchone()[0],
            "last_error": last[0] if last else ""}


def for_application(conn, app_id):
    """The messages about APP_ID, oldest first (for the case page and tests)."""
    return [dict(r) for r in conn.execute("SELECT * FROM sms_outbox WHERE app_id = ? ORDER BY created_at, id",
                                          (app_id,))]


def for_key_prefix(conn, prefix):
    """The messages whose key starts with PREFIX (e.g. one urge's texts to staff), oldest first."""
    return [dict(r) for r in conn.execute("SELECT * FROM sms_outbox WHERE substr(id, 1, ?) = ? ORDER BY created_at, id",
                                          (len(prefix), prefix))]
