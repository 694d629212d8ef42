"""The durable outbox of the sync links, and where each message goes (pure routing on node codes).

Writers call `route` inside their own transaction, so a message is queued exactly when the change
it carries commits. Link "up" goes to the parent; a child's link is named by the child's code.
Sequence numbers are per link and contiguous; rows are kept after acknowledgement so that a
restored parent can be re-offered everything.
"""
import sqlite3
from collections.abc import Iterable
from typing import Any

import msgpack

from ..domain.nodes import child_toward, tier_of
from .db import before_commit, transaction, tx_cache, tx_now

UP = "up"
SCOPES = {"event": "routed", "catalog": "broadcast", "calendar": "broadcast", "notice": "broadcast"}


def enqueue(conn: sqlite3.Connection, link: str, kind: str, msg_id: str, subject: str, body: Any,
            packed: bytes | None = None) -> int:
    """Append one message to LINK's outbox (inside a write transaction); returns its sequence number.

    Rows are buffered for the transaction and written together just before it commits.
    """
    with transaction(conn):  # joins the caller's transaction; starts one when there is none
        cache = tx_cache(conn)
        seqs = cache.setdefault("outbox_seq", {})
        if link not in seqs:
            seqs[link] = conn.execute("SELECT COALESCE(MAX(seq), 0) FROM sync_outbox WHERE link = ?",
                                      (link,)).fetchone()[0]
        seq = seqs[link] = seqs[link] + 1
        packed = packed if packed is not None else msgpack.packb(body, use_bin_type=True)
        cache.setdefault("outbox_rows", []).append((link, seq, kind, msg_id, subject, packed, tx_now(conn)))
        before_commit(conn, "outbox", flush)
    return seq


def flush(conn: sqlite3.Connection) -> None:
    """Write the buffered outbox rows (before commit, or before reading the outbox in a transaction)."""
    cache = tx_cache(conn)
    rows = cache.get("outbox_rows")
    if rows:
        conn.executemany("INSERT INTO sync_outbox (link, seq, kind, msg_id, subject, body, created_at)"
                         " VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
        cache["outbox_rows"] = []


def targets(me: str, kind: str, subject: str, source: str | None = None,
            children: Iterable[str] = ()) -> list[str]:
    """The links a message of KIND about SUBJECT goes to from node ME, never back to SOURCE.

    Routed kinds go up (unless ME is the county) and down toward SUBJECT's subtree; broadcasts
    go down to every known child.
    """
    out = []
    scope = SCOPES.get(kind, "routed")
    if scope == "routed":
        if tier_of(me) != "county" and source != UP:
            out.append(UP)
        child = child_toward(subject, me)
        if child and child != source:
            out.append(child)
    else:
        out.extend(c for c in sorted(children) if c != source)
    return out


def known_children(conn: sqlite3.Connection) -> set[str]:
    """Codes of the children enrolled here (an accepted key): broadcasts go to them, and to no link row alone."""
    rows = conn.execute("SELECT DISTINCT code FROM sync_nodes WHERE status = 'accepted' AND code != ''")
    return {r[0] for r in rows}


def route(conn: sqlite3.Connection, me: str, kind: str, msg_id: str, subject: str, body: Any, source: str | None = None,
          packed: bytes | None = None) -> list[str]:
    """Queue a message for every link it must travel on; returns those links.

    PACKED is BODY already in msgpack (a relayed message as it arrived), saving a re-encode.
    """
    children = known_children(conn) if SCOPES.get(kind) == "broadcast" else ()
    links = targets(me, kind, subject, source, children)
    if links and packed is None:
        packed = msgpack.packb(body, use_bin_type=True)
    for link in links:
        enqueue(conn, link, kind, msg_id, subject, body, packed)
    return links


def pending(conn: sqlite3.Connection, link: str, after: int, limit: int) -> list[dict[str, Any]]:
    """Messages of LINK with seq > AFTER, in order (dicts with the raw packed body)."""
    flush(conn)
    return [dict(r) for r in conn.execute(
        "SELECT seq, kind, msg_id, subject, body FROM sync_outbox WHERE link = ? AND seq > ? ORDER BY seq LIMIT ?",
        (link, after, limit))]


def seq_of(conn: sqlite3.Connection, link: str, msg_id: str) -> int | None:
    """The newest sequence number of message MSG_ID on LINK, or None when the link never carried it."""
    flush(conn)
    row = conn.execute("SELECT MAX(seq) FROM sync_outbox WHERE link = ? AND msg_id = ?", (link, msg_id)).fetchone()
    return row[0]


def last_seq(conn: sqlite3.Connection, link: str) -> int:
    """The highest sequence number queued on LINK (0 when none)."""
    flush(conn)
    return conn.execute("SELECT COALESCE(MAX(seq), 0) FROM sync_outbox WHERE link = ?", (link,)).fetchone()[0]


def oldest_after(conn: sqlite3.Connection, link: str, after: int) -> str | None:
    """created_at of the oldest message on LINK with seq > AFTER, or None."""
    flush(conn)
    row = conn.execute("SELECT MIN(created_at) FROM sync_outbox WHERE link = ? AND seq > ?", (link, after)).fetchone()
    return row[0]


def unacknowledged(conn: sqlite3.Connection, link: str, msg_ids: Iterable[str]) -> set[str]:
    """The subset of MSG_IDS queued on LINK and not yet acknowledged by the peer ("waiting for the network")."""
    ids = list(msg_ids)
    if not ids:
        return set()
    flush(conn)
    rows = conn.execute(
        f"SELECT msg_id FROM sync_outbox WHERE link = ? AND msg_id IN ({', '.join('?' * len(ids))})"
        " AND seq > COALESCE((SELECT acked_upto FROM sync_links WHERE link = ?), 0)", [link, *ids, link])
    return {r[0] for r in rows}


def waiting_by_application(conn: sqlite3.Connection, link: str = UP) -> dict[str, int]:
    """{application id: events queued on LINK and not yet acknowledged}, for "waiting for the network" lists."""
    flush(conn)
    rows = conn.execute(
        "SELECT e.app_id, COUNT(*) FROM sync_outbox o JOIN events e ON e.id = o.msg_id"
        " WHERE o.link = ? AND o.kind = 'event'"
        " AND o.seq > COALESCE((SELECT acked_upto FROM sync_links WHERE link = ?), 0) GROUP BY e.app_id",
        (link, link))
    return {r[0]: r[1] for r in rows}
