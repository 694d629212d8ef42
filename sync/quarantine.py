"""What an administrator does with quarantined messages: list, show, retry, drop — one use case each, audited.

Called by `sanji sync quarantine …` and the admin page alike. A retry applies the message again as
it came, from the link it came on, with every check it met the first time (origin, signature,
catalog), so an administrator can let in what failed for a reason since mended (a catalog version
that has now arrived), never what a child had no right to send.
"""
import sqlite3
from typing import Any

from common.errors import Conflict, NotFound, SanjiError
from common.hlc import Clock
from common.replication import NotYet, Replicator
from common.store import audit
from common.store.db import transaction

from . import store, wire

TRUNCATED = "kept]"  # the end of a reason whose body was cut to its first bytes


def listing(conn: sqlite3.Connection, limit: int = 100) -> list[dict[str, Any]]:
    """The newest quarantined messages, without bodies."""
    return store.quarantined(conn, limit)


def show(conn: sqlite3.Connection, qid: int) -> dict[str, Any]:
    """One quarantined message with its body decoded where it can be."""
    row = store.quarantined_row(conn, qid)
    if row is None:
        raise NotFound(f"没有编号为 {qid} 的隔离消息 / no quarantined message {qid}",
                       fix="sanji sync quarantine list shows the numbers")
    try:
        row["decoded"] = wire.unpack_body(row["body"])
    except Exception:
        row["decoded"] = None
    row["body_bytes"] = len(row.pop("body"))
    return row


def retry(conn: sqlite3.Connection, me: str, clock: Clock, qid: int, actor: str) -> str:
    """Apply quarantined message QID again; it leaves the quarantine if it applies now. Returns 'applied'."""
    row = store.quarantined_row(conn, qid)
    if row is None:
        raise NotFound(f"没有编号为 {qid} 的隔离消息 / no quarantined message {qid}")
    if row["reason"].endswith(TRUNCATED):
        raise Conflict("这条消息只保留了开头，无法重试 / only the start of this message was kept; it cannot be retried",
                       fix="the sender still holds it: it is sent again after a restore of this node, or drop it")
    rep = Replicator(me, clock)
    try:
        return _apply_again(conn, rep, row, qid, actor)
    except (SanjiError, sqlite3.OperationalError):  # (a busy database: try again, not "cannot apply")
        raise
    except NotYet as exc:
        raise Conflict(f"仍不能应用：{exc} / it cannot apply yet", fix="retry once its application has arrived") from None
    except Exception as exc:  # garbage that was quarantined for being garbage: say so, never a 500
        raise Conflict(f"仍然不能应用 / still cannot be applied: {type(exc).__name__}",
                       fix="drop it: it will not apply whatever is mended") from None


def _apply_again(conn: sqlite3.Connection, rep: Replicator, row: dict[str, Any], qid: int, actor: str) -> str:
    body = wire.unpack_body(row["body"])
    with transaction(conn):
        if row["link"] != "up":
            problem = rep.origin_problem(conn, row["kind"], body, row["link"])
            if problem:
                raise Conflict(f"仍然不能接受：{problem} / still refused: {problem}")
        batch: dict[str, Any] = {}
        rep.apply(conn, row["kind"], row["msg_id"], "", body, row["link"], batch, packed=row["body"])  # events route by their application
        rep.finish_batch(conn, batch)
        store.unquarantine(conn, qid)
        audit.record(conn, actor, "sync.quarantine_retried", str(qid), {"msg_id": row["msg_id"], "link": row["link"]})
    return "applied"


def drop(conn: sqlite3.Connection, qid: int, actor: str) -> None:
    """Remove quarantined message QID for good (audited with its id and reason)."""
    with transaction(conn):
        row = store.quarantined_row(conn, qid)
        if row is None:
            raise NotFound(f"没有编号为 {qid} 的隔离消息 / no quarantined message {qid}")
        store.unquarantine(conn, qid)
        audit.record(conn, actor, "sync.quarantine_dropped", str(qid),
                     {"msg_id": row["msg_id"], "link": row["link"], "reason": row["reason"][:300]})
