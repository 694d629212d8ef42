"""SQL for the append-only audit trail: triggers refuse UPDATE and DELETE; a hash chain shows tampering.

Each row's hash is sha256 over the previous row's hash and the row's own fields, so an edited,
deleted or reordered row breaks the chain at that row. `verify` names the first broken record.
"""
import hashlib
import json
import sqlite3
from collections.abc import Iterable
from datetime import datetime, timedelta, timezone
from typing import Any

from ..config import Config
from .db import before_commit, now_iso, transaction, tx_cache

GENESIS = "0" * 64
CHECK_BUDGET = 20_000  # records the audit page verifies per view (~0.2 s); the background walk does the rest


def _digest(prev_hash: str, seq: int, at: str, actor: str, action: str, target: str, detail: str, ip: str) -> str:
    body = json.dumps([prev_hash, seq, at, actor, action, target, detail, ip], ensure_ascii=False)
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def record(conn: sqlite3.Connection, actor: str, action: str, target: str = "", detail: dict[str, Any] | None = None,
           ip: str = "") -> int:
    """Append one audit row (inside the caller's transaction when there is one)."""
    detail_text = json.dumps(detail or {}, ensure_ascii=False, sort_keys=True)
    with transaction(conn):
        cache = tx_cache(conn)
        if "audit_head" not in cache:
            last = conn.execute("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1").fetchone()
            cache["audit_head"] = (last["hash"], last["seq"]) if last else (GENESIS, 0)
        prev_hash, seq = cache["audit_head"][0], cache["audit_head"][1] + 1
        at = now_iso()
        digest = _digest(prev_hash, seq, at, str(actor), action, str(target), detail_text, ip)
        cache.setdefault("audit_rows", []).append(
            (seq, at, str(actor), action, str(target), detail_text, ip, prev_hash, digest))
        cache["audit_head"] = (digest, seq)
        before_commit(conn, "audit", _flush)
    return seq


def _flush(conn: sqlite3.Connection) -> None:
    cache = tx_cache(conn)
    if cache.get("audit_rows"):
        conn.executemany("INSERT INTO audit_log (seq, at, actor, action, target, detail, ip, prev_hash, hash)"
                         " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", cache["audit_rows"])
        cache["audit_rows"] = []


def _walk(rows: Iterable[sqlite3.Row], prev_hash: str,
          expected_seq: int) -> tuple[bool, tuple[int, str], str | None]:
    """Check ROWS (in seq order) follow (PREV_HASH, EXPECTED_SEQ): (ok, last (seq, hash) checked, problem)."""
    last = (expected_seq - 1, prev_hash)
    for row in rows:
        if row["seq"] != expected_seq:
            return False, last, f"record {expected_seq} is missing (next present is {row['seq']}): deleted?"
        if row["prev_hash"] != prev_hash:
            return False, last, f"record {row['seq']} does not follow record {row['seq'] - 1}: deleted or reordered?"
        digest = _digest(row["prev_hash"], row["seq"], row["at"], row["actor"], row["action"], row["target"],
                         row["detail"], row["ip"])
        if digest != row["hash"]:
            return False, last, f"record {row['seq']} was changed after it was written"
        prev_hash, expected_seq = row["hash"], row["seq"] + 1
        last = (row["seq"], row["hash"])
    return True, last, None


def _remember(conn: sqlite3.Connection, seq: int, digest: str, problem: str | None, full: bool) -> None:
    at = now_iso()
    with transaction(conn):
        conn.execute("INSERT INTO audit_checks (id, seq, hash, checked_at, full_at, problem) VALUES (1, ?, ?, ?, ?, ?)"
                     " ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash,"
                     " checked_at = excluded.checked_at, full_at = COALESCE(excluded.full_at, full_at),"
                     " problem = excluded.problem", (seq, digest, at, at if full else None, problem))


def verify(conn: sqlite3.Connection) -> tuple[bool, int, str | None]:
    """(ok, rows checked, problem): the whole chain from its first record at once (`sanji audit
    verify`); problem names the first broken record, or is None. Remembered for `check`."""
    _flush(conn)
    ok, (seq, digest), problem = _walk(conn.execute("SELECT * FROM audit_log ORDER BY seq"), GENESIS, 1)
    _remember(conn, seq, digest, problem, full=True)
    return ok, seq + (0 if ok else 1), problem


def check(conn: sqlite3.Connection, budget: int = CHECK_BUDGET) -> dict[str, Any]:
    """What the audit page shows, without walking ten years of records on every view: the records
    added since the last check (at most BUDGET of them now; the rest at the next view or the nightly
    full check), starting from the last checked record, whose hash must still be the one remembered.

    Returns {ok, checked: records verified in order from the first, total, problem, full_at}.
    """
    _flush(conn)
    total = conn.execute("SELECT COALESCE(MAX(seq), 0) FROM audit_log").fetchone()[0]
    mark = conn.execute("SELECT * FROM audit_checks WHERE id = 1").fetchone()
    seq, digest = (mark["seq"], mark["hash"]) if mark else (0, GENESIS)
    full_at = mark["full_at"] if mark else None
    if mark and mark["problem"]:  # (seq: the last record known good when it was found)
        return {"ok": False, "checked": seq, "total": total, "problem": mark["problem"], "full_at": full_at}
    problem = _anchor_problem(conn, seq, digest, f"checked ({mark['checked_at']})") if mark else None
    if problem:
        _remember(conn, seq - 1, digest, problem, full=False)
        return {"ok": False, "checked": seq - 1, "total": total, "problem": problem, "full_at": full_at}
    ok, (last, last_hash), problem = _walk(
        conn.execute("SELECT * FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?", (seq, budget)), digest, seq + 1)
    if (last, last_hash) != (seq, digest) or problem:
        _remember(conn, last, last_hash, problem, full=False)
    return {"ok": ok, "checked": last, "total": total, "problem": problem, "full_at": full_at}


def verify_job(conn: sqlite3.Connection, cfg: Config | None, budget: int = 200_000) -> int:
    """The scheduler's run (every few minutes): the whole chain walked again from its first record
    once a day, BUDGET records a run (so no run holds the node for long), from where the last run
    stopped; the day's walk ending at the newest record sets `full_at`. Returns the records walked.

    The records the page checked must keep the hash it remembered (a cut tail re-grown by new
    records chains cleanly otherwise); a problem found stays until `sanji audit verify` finds the
    chain whole, and the walk rests meanwhile.
    """
    _flush(conn)
    mark = conn.execute("SELECT * FROM audit_checks WHERE id = 1").fetchone()
    if mark and mark["problem"]:
        return 0
    seq, digest = (mark["walk_seq"], mark["walk_hash"]) if mark and mark["walk_hash"] else (0, GENESIS)
    if seq == 0 and mark and mark["full_at"] and mark["full_at"] > _day_ago():
        return 0
    problem = _anchor_problem(conn, seq, digest, "walked")
    last, last_hash = (seq - 1, None) if problem else (seq, digest)
    if problem is None:
        ok, (last, last_hash), problem = _walk(
            conn.execute("SELECT * FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?", (seq, budget)), digest, seq + 1)
    if problem is None and mark and seq < mark["seq"] <= last:
        problem = _anchor_problem(conn, mark["seq"], mark["hash"], f"checked ({mark['checked_at']})")
        if problem:
            last, last_hash = mark["seq"] - 1, None
    done = problem is None and last - seq < budget
    with transaction(conn):
        if problem:
            _remember(conn, last, last_hash or GENESIS, problem, full=False)  # (last: the last record known good)
        elif not mark or last > mark["seq"]:  # a prefix walked whole is checked for the page too
            assert last_hash is not None  # no problem: the walk ran and gave its last record's hash
            _remember(conn, last, last_hash, None, full=False)
        conn.execute("UPDATE audit_checks SET walk_seq = ?, walk_hash = ?, full_at = CASE WHEN ? THEN ? ELSE full_at END"
                     " WHERE id = 1", (0 if done or problem else last, None if done or problem else last_hash,
                                       done, now_iso()))
    return last - seq if problem is None else 0


def _anchor_problem(conn: sqlite3.Connection, seq: int, digest: str, what: str) -> str | None:
    """Why record SEQ no longer has the hash DIGEST it had when it was WHAT, or None (seq 0: none)."""
    if not seq:
        return None
    row = conn.execute("SELECT hash FROM audit_log WHERE seq = ?", (seq,)).fetchone()
    if row is None or row["hash"] != digest:
        return f"record {seq} was changed or removed after it was {what}"
    return None


def _day_ago() -> str:
    return (datetime.now(timezone.utc) - timedelta(days=1)).isoformat(timespec="milliseconds")


def recent(conn: sqlite3.Connection, limit: int = 100, target: str | None = None, actor: str | None = None,
           before: int | None = None) -> list[dict[str, Any]]:
    """The newest audit rows (LIMIT of them, older than seq BEFORE when given), optionally of one TARGET
    and/or one ACTOR, read from an index. Paged by seq, not by offset: the log grows while it is read."""
    _flush(conn)
    where, args = [], []
    for column, value in (("target", target), ("actor", actor), ("seq", before)):
        if value:
            where.append(f"{column} {'<' if column == 'seq' else '='} ?")
            args.append(value)
    sql = "SELECT * FROM audit_log" + (" WHERE " + " AND ".join(where) if where else "")
    return [dict(r) for r in conn.execute(sql + " ORDER BY seq DESC LIMIT ?", args + [limit])]
