"""SQL and files of kiosk drafts: what a person has entered so far, kept only until submit or reset.

A draft is one row (applicant, form answers, the list of photos) and a folder of its photos at
drafts/<id>/. Nothing of it is replicated; submitting turns it into an application and deletes
it, and the idle reset (or the purge job, if the kiosk browser died) deletes it unsubmitted.
"""
import secrets
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

from common.jsontext import dumps, loads
from common.store.db import now_iso, sql_migration, transaction

MIGRATIONS = [
    sql_migration("village_0001_kiosk_drafts", """
        CREATE TABLE kiosk_drafts (
            id TEXT PRIMARY KEY,
            item_code TEXT NOT NULL,
            proxy_by TEXT NOT NULL DEFAULT '',
            data TEXT NOT NULL DEFAULT '{}',
            created_at TEXT NOT NULL,
            touched_at TEXT NOT NULL
        );
        CREATE INDEX kiosk_drafts_touched ON kiosk_drafts(touched_at);
    """),
]


def folder(data_dir, draft_id):
    """Where DRAFT_ID's photos are kept until submit or reset."""
    return Path(data_dir) / "drafts" / draft_id


def create(conn, item_code, proxy_by=""):
    """A new empty draft for ITEM_CODE; returns its id (random, unguessable)."""
    draft_id = secrets.token_urlsafe(18)
    now = now_iso()
    with transaction(conn):
        conn.execute("INSERT INTO kiosk_drafts (id, item_code, proxy_by, data, created_at, touched_at)"
                     " VALUES (?, ?, ?, ?, ?, ?)", (draft_id, item_code, proxy_by,
                                                    dumps({"applicant": {}, "form": {}, "photos": []}), now, now))
    return draft_id


def get(conn, draft_id):
    """The draft {id, item_code, proxy_by, applicant, form, photos}, or None."""
    if not draft_id:
        return None
    row = conn.execute("SELECT * FROM kiosk_drafts WHERE id = ?", (draft_id,)).fetchone()
    if row is None:
        return None
    return dict(loads(row["data"]), id=row["id"], item_code=row["item_code"], proxy_by=row["proxy_by"])


def save(conn, draft):
    """Store DRAFT's answers and photos (and mark it touched)."""
    data = {k: draft[k] for k in ("applicant", "form", "photos")}
    with transaction(conn):
        conn.execute("UPDATE kiosk_drafts SET data = ?, touched_at = ? WHERE id = ?",
                     (dumps(data), now_iso(), draft["id"]))


def touch(conn, draft_id):
    """Note activity on DRAFT_ID so the purge job leaves it alone."""
    with transaction(conn):
        conn.execute("UPDATE kiosk_drafts SET touched_at = ? WHERE id = ?", (now_iso(), draft_id))


def delete_row(conn, draft_id):
    """Delete DRAFT_ID's row (joins the caller's transaction); remove its folder after commit with `discard`."""
    conn.execute("DELETE FROM kiosk_drafts WHERE id = ?", (draft_id,))


def discard(conn, data_dir, draft_id):
    """Delete DRAFT_ID: its row, then its photos."""
    if not draft_id:
        return
    with transaction(conn):
        delete_row(conn, draft_id)
    shutil.rmtree(folder(data_dir, draft_id), ignore_errors=True)


def purge_idle(conn, data_dir, seconds):
    """Delete drafts untouched for SECONDS, and photo folders whose draft is gone; returns how many drafts."""
    cutoff = (datetime.now(timezone.utc) - timedelta(seconds=seconds)).isoformat(timespec="milliseconds")
    with transaction(conn):
        ids = [r[0] for r in conn.execute("SELECT id FROM kiosk_drafts WHERE touched_at < ?", (cutoff,))]
        conn.execute("DELETE FROM kiosk_drafts WHERE touched_at < ?", (cutoff,))
        live = {r[0] for r in conn.execute("SELECT id FROM kiosk_drafts")}
    root = Path(data_dir) / "drafts"
    if root.is_dir():
        for path in root.iterdir():
            if path.name not in live:  # a folder left by a crash between commit and removal
                shutil.rmtree(path, ignore_errors=True)
    return len(ids)
