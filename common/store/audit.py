"""SQL for the append-only audit trail: triggers refuse UPDATE and DELETE; a hash chain shows tampering.

Each row's hash is sha256 over the previous row's hash and the row's own fields, so an edited,
deleted or reordered row breaks the chain at that row. `verify` names the first broken record.
"""
import hashlib
import json

from .db import before_commit, now_iso, transaction, tx_cache

GENESIS = "0" * 64


def _digest(prev_hash, seq, at, actor, action, target, detail, ip):
    body = json.dumps([prev_hash, seq, at, actor, action, target, detail, ip], ensure_ascii=False)
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def record(conn, actor, action, target="", detail=None, ip=""):
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


def _flush(conn):
    cache = tx_cache(conn)
    if cache.get("audit_rows"):
        conn.executemany("INSERT INTO audit_log (seq, at, actor, action, target, detail, ip, prev_hash, hash)"
                         " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", cache["audit_rows"])
        cache["audit_rows"] = []


def verify(conn):
    """(ok, rows checked, problem) — problem names the first broken record, or is None."""
    _flush(conn)
    prev_hash, expected_seq, count = GENESIS, 1, 0
    for row in conn.execute("SELECT * FROM audit_log ORDER BY seq"):
        count += 1
        if row["seq"] != expected_seq:
            return False, count, f"record {expected_seq} is missing (next present is {row['seq']}): deleted?"
        if row["prev_hash"] != prev_hash:
            return False, count, f"record {row['seq']} does not follow record {row['seq'] - 1}: deleted or reordered?"
        digest = _digest(row["prev_hash"], row["seq"], row["at"], row["actor"], row["action"], row["target"],
                         row["detail"], row["ip"])
        if digest != row["hash"]:
            return False, count, f"record {row['seq']} was changed after it was written"
        prev_hash, expected_seq = row["hash"], row["seq"] + 1
    return True, count, None


def recent(conn, limit=100, target=None):
    """The newest audit rows, optionally for one TARGET."""
    _flush(conn)
    sql, args = "SELECT * FROM audit_log", []
    if target:
        sql, args = sql + " WHERE target = ?", [target]
    return [dict(r) for r in conn.execute(sql + " ORDER BY seq DESC LIMIT ?", args + [limit])]
