"""SQL for the papers made for a case (case_documents): one PDF per event and kind, kept as first made."""
import hashlib

from .db import now_iso, transaction


def get(conn, event_id, kind):
    """{event_id, kind, app_id, sha256, size, made_at, pdf} of the paper held, or None."""
    row = conn.execute("SELECT event_id, kind, app_id, sha256, size, made_at, pdf FROM case_documents"
                       " WHERE event_id = ? AND kind = ?", (event_id, kind)).fetchone()
    return dict(row) if row else None


def keep(conn, app_id, event_id, kind, pdf):
    """Store PDF as the paper of EVENT_ID and KIND unless one is held already; returns the one held."""
    with transaction(conn):
        conn.execute("INSERT INTO case_documents (event_id, kind, app_id, sha256, size, made_at, pdf)"
                     " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(event_id, kind) DO NOTHING",
                     (event_id, kind, app_id, hashlib.sha256(pdf).hexdigest(), len(pdf), now_iso(), pdf))
        return get(conn, event_id, kind)


def made_for(conn, app_id):
    """{event_id: {sha256, size, made_at}} of the papers already made for APP_ID."""
    rows = conn.execute("SELECT event_id, sha256, size, made_at FROM case_documents WHERE app_id = ?", (app_id,))
    return {r["event_id"]: {"sha256": r["sha256"], "size": r["size"], "made_at": r["made_at"]} for r in rows}
