"""SQL for public notices (政务公开): the highest version of each, numbered in the order this node stored them.

`seq` is this node's own order of storing (a new version gets a new number), so a child that
reports the highest number it received from us is sent exactly what changed since (`newer_than`).
"""
import sqlite3
from typing import Any

from ..jsontext import dumps, loads
from . import meta

PARENT_SEQ = "notices_parent_seq"  # the highest seq received from the parent


def upsert(conn: sqlite3.Connection, notice: dict[str, Any]) -> dict[str, Any] | None:
    """Store NOTICE if it is new or a higher version than the one held; returns it with our seq, or None."""
    row = conn.execute("SELECT version FROM notices WHERE id = ?", (notice["id"],)).fetchone()
    if row and row["version"] >= notice["version"]:
        return None
    seq = conn.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM notices").fetchone()[0]
    doc = {k: v for k, v in notice.items() if k != "seq"}
    conn.execute("INSERT INTO notices (id, publisher, version, seq, published_on, expires_on, withdrawn, doc)"
                 " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET version = excluded.version,"
                 " seq = excluded.seq, published_on = excluded.published_on, expires_on = excluded.expires_on,"
                 " withdrawn = excluded.withdrawn, doc = excluded.doc",
                 (doc["id"], doc["publisher"], doc["version"], seq, doc["published_on"], doc.get("expires_on"),
                  int(bool(doc.get("withdrawn"))), dumps(doc)))
    return dict(doc, seq=seq)


def get(conn: sqlite3.Connection, notice_id: str) -> dict[str, Any] | None:
    """The notice NOTICE_ID as held here, or None."""
    row = conn.execute("SELECT doc, seq FROM notices WHERE id = ?", (notice_id,)).fetchone()
    return dict(loads(row["doc"]), seq=row["seq"]) if row else None


def listed(conn: sqlite3.Connection, publisher: str | None = None, shown_on: str | None = None) -> list[dict[str, Any]]:
    """Notices newest first: all, or PUBLISHER's; with SHOWN_ON (ISO date) only those on show that day."""
    sql, args = "SELECT doc, seq FROM notices WHERE 1 = 1", []
    if publisher:
        sql += " AND publisher = ?"
        args.append(publisher)
    if shown_on:
        sql += " AND withdrawn = 0 AND published_on <= ? AND (expires_on IS NULL OR expires_on >= ?)"
        args += [shown_on, shown_on]
    return [dict(loads(r["doc"]), seq=r["seq"]) for r in conn.execute(sql + " ORDER BY published_on DESC, seq DESC", args)]


def newer_than(conn: sqlite3.Connection, seq: int) -> list[dict[str, Any]]:
    """Every notice stored here after SEQ (what a child that has our SEQ lacks), in order."""
    return [dict(loads(r["doc"]), seq=r["seq"])
            for r in conn.execute("SELECT doc, seq FROM notices WHERE seq > ? ORDER BY seq", (int(seq),))]


def parent_seq(conn: sqlite3.Connection) -> int:
    """The highest seq of the parent's notices received here."""
    return int(meta.get(conn, PARENT_SEQ, 0))


def note_parent_seq(conn: sqlite3.Connection, seq: int) -> None:
    """Remember SEQ as received from the parent (never lowering it)."""
    if seq > parent_seq(conn):
        meta.put(conn, PARENT_SEQ, seq)
