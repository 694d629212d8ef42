"""SQL for the papers made for a case (case_documents): one PDF per event and kind, kept as first made."""
import hashlib
import sqlite3
from typing import Any

from .db import now_iso, transaction


def get(conn: sqlite3.Connection, event_id: str, kind: str) -> dict[str, Any] | None:
    """{event_id, kind, app_id, sha256, size, made_at, pdf} of the paper held, or None."""
    row = conn.execute("SELECT event_id, kind, app_id, sha256, size, made_at, pdf FROM case_documents"
                       " WHERE event_id = ? AND kind = ?", (event_id, kind)).fetchone()
    return dict(row) if row else None


def keep(conn: sqlite3.Connection, app_id: str, event_id: str, kind: str, pdf: bytes) -> dict[str, Any]:
    """Store PDF as the paper of EVENT_ID and KIND unless one is held already; returns the one held."""
    with transaction(conn):
        conn.execute("INSERT INTO case_documents (event_id, kind, app_id, sha256, size, made_at, pdf)"
                     " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(event_id, kind) DO NOTHING",
                     (event_id, kind, app_id, hashlib.sha256(pdf).hexdigest(), len(pdf), now_iso(), pdf))
        held = get(conn, event_id, kind)
        assert held is not None  # written just now, or held already
        return held


def made_for(conn: sqlite3.Connection, app_id: str) -> dict[str, dict[str, Any]]:
    """{event_id: {sha256, size, made_at}} of the papers already made for APP_ID."""
    rows = conn.execute("SELECT event_id, sha256, size, made_at FROM case_documents WHERE app_id = ?", (app_id,))
    return {r["event_id"]: {"sha256": r["sha256"], "size": r["size"], "made_at": r["made_at"]} for r in rows}
