"""SQL of the sync layer: link state, the node registry (enrolment), quarantine and refusals."""
import hashlib
import sqlite3
from collections.abc import Collection, Iterable
from typing import Any

from common.store import sync_status
from common.store.db import now_iso, tx_cache

# The bounds are limits.py's (docs/protocol.md § 13); read here, and as store.MAX_QUARANTINED elsewhere.
from .limits import (MAX_HELD, MAX_HELD_BYTES, MAX_PENDING, MAX_QUARANTINED, MAX_REFUSAL_ROWS, PRUNE_SLACK,
                     QUARANTINE_KEEP, QUARANTINE_LINK_BYTES, QUARANTINE_PREFIX)

STATUSES = ("pending", "accepted", "rejected", "revoked")


def fingerprint(public_key: str | bytes) -> str:
    """A short, readable fingerprint of a z85 public key (first 16 hex of its sha256, grouped)."""
    digest = hashlib.sha256(public_key.encode() if isinstance(public_key, str) else public_key).hexdigest()[:16]
    return ":".join(digest[i:i + 4] for i in range(0, 16, 4))


# ---- links ----------------------------------------------------------------------------------

def link(conn: sqlite3.Connection, name: str) -> dict[str, Any]:
    """The state row of link NAME (created with zeros on first use)."""
    conn.execute("INSERT OR IGNORE INTO sync_links (link, state_since) VALUES (?, ?)", (name, now_iso()))
    return dict(conn.execute("SELECT * FROM sync_links WHERE link = ?", (name,)).fetchone())


def set_link(conn: sqlite3.Connection, name: str, **fields: Any) -> None:
    """Update columns of link NAME."""
    link(conn, name)
    cols = ", ".join(f"{k} = ?" for k in fields)
    conn.execute(f"UPDATE sync_links SET {cols} WHERE link = ?", (*fields.values(), name))


def set_state(conn: sqlite3.Connection, name: str, state: str) -> None:
    """Record link NAME as up or down (keeping `state_since` when unchanged)."""
    current = link(conn, name)
    if current["state"] != state:
        flaps = current["flaps"] + (current["state"] == "up" and state == "down")
        set_link(conn, name, state=state, state_since=now_iso(), flaps=flaps)


def all_links(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """Every link row."""
    return [dict(r) for r in conn.execute("SELECT * FROM sync_links ORDER BY link")]


def child_links(conn: sqlite3.Connection) -> list[list[Any]]:
    """This node's links to its children, compact for a heartbeat: [[code, state, since, last_contact, out, in]]."""
    links = [sync_status.link_status(conn, row, photos=False) for row in all_links(conn) if row["link"] != "up"]
    return [[ln["link"], ln["state"], ln["since"] or "", ln["last_contact"] or "", ln["queue_out"], ln["queue_in"]]
            for ln in links]


def save_subtree(conn: sqlite3.Connection, reporter: str, rows: Iterable[list[Any]]) -> None:
    """Store what child REPORTER says of its own children's links (rows as `child_links` makes them)."""
    now = now_iso()
    conn.executemany(
        "INSERT INTO sync_subtree (node, reporter, state, since, last_contact, queue_out, queue_in, reported_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(node) DO UPDATE SET reporter = excluded.reporter,"
        " state = excluded.state, since = excluded.since, last_contact = excluded.last_contact,"
        " queue_out = excluded.queue_out, queue_in = excluded.queue_in, reported_at = excluded.reported_at",
        [(code, reporter, state, since, contact, out, inn, now) for code, state, since, contact, out, inn in rows])


# ---- the node registry ----------------------------------------------------------------------

def node_by_key(conn: sqlite3.Connection, public_key: str) -> dict[str, Any] | None:
    """The registry row of PUBLIC_KEY, or None."""
    row = conn.execute("SELECT * FROM sync_nodes WHERE public_key = ?", (public_key,)).fetchone()
    return dict(row) if row else None


def seen_key(conn: sqlite3.Connection, public_key: str, claimed: str, address: str) -> dict[str, Any]:
    """Note an attempt by PUBLIC_KEY; an unknown key becomes pending. Returns its row."""
    now = now_iso()
    conn.execute("INSERT INTO sync_nodes (public_key, fingerprint, claimed, status, address, first_seen, last_seen)"
                 " VALUES (?, ?, ?, 'pending', ?, ?, ?) ON CONFLICT(public_key) DO UPDATE SET last_seen = ?,"
                 " address = excluded.address, claimed = CASE WHEN excluded.claimed != '' THEN excluded.claimed"
                 " ELSE sync_nodes.claimed END",
                 (public_key, fingerprint(public_key), claimed, address, now, now, now))
    row = node_by_key(conn, public_key)
    assert row is not None  # inserted or updated just above
    if row["status"] == "pending" and row["first_seen"] == now:  # a new stranger: keep the table bounded now
        _bound(conn, "SELECT COUNT(*) FROM sync_nodes WHERE status = 'pending'", _PRUNE_PENDING, MAX_PENDING)
    return row


def nodes(conn: sqlite3.Connection, status: str | None = None) -> list[dict[str, Any]]:
    """Registry rows, optionally of one STATUS."""
    sql, args = "SELECT * FROM sync_nodes", []
    if status:
        sql, args = sql + " WHERE status = ?", [status]
    return [dict(r) for r in conn.execute(sql + " ORDER BY status, code, first_seen", args)]


def find(conn: sqlite3.Connection, ref: str) -> list[dict[str, Any]]:
    """Registry rows matching REF: a fingerprint (or its prefix), a public key, or a node code."""
    ref = ref.strip()
    return [dict(r) for r in conn.execute(
        "SELECT * FROM sync_nodes WHERE fingerprint LIKE ? OR public_key = ? OR code = ?", (ref + "%", ref, ref))]


def decide(conn: sqlite3.Connection, public_key: str, status: str, code: str = "") -> None:
    """Set a key's status; accepting a key for CODE revokes any other accepted key of CODE (rotation).

    Revoking a key also revokes the next key it announced and that was never used, so a stolen
    kiosk cannot carry on with it.
    """
    now = now_iso()
    if status == "revoked":
        row = node_by_key(conn, public_key)
        if row and row["code"]:
            conn.execute("UPDATE sync_nodes SET status = 'revoked', decided_at = ? WHERE code = ?"
                         " AND status = 'accepted' AND address = 'announced'", (now, row["code"]))
    if status == "accepted":
        conn.execute("UPDATE sync_nodes SET status = 'revoked', decided_at = ? WHERE code = ? AND status = 'accepted'"
                     " AND public_key != ?", (now, code, public_key))
        conn.execute("UPDATE sync_nodes SET status = 'accepted', code = ?, decided_at = ? WHERE public_key = ?",
                     (code, now, public_key))
    else:
        conn.execute("UPDATE sync_nodes SET status = ?, decided_at = ? WHERE public_key = ?", (status, now, public_key))


def announce_next_key(conn: sqlite3.Connection, public_key: str, code: str, current_key: str,
                      own_keys: Collection[str] = ()) -> str | None:
    """Accept CODE's announced next key beside its current one; returns why not (None when accepted).

    Only a key nobody holds yet: not another node's (that would hand its identity to the announcer),
    not this node's own, not one seen or decided before. One announced key per node: a newer
    announcement replaces an older one that was never used.
    """
    if public_key == current_key:
        return None
    if public_key in own_keys:
        return "next_key is one of this node's own keys"
    row = node_by_key(conn, public_key)
    if row is not None:
        if row["code"] == code and row["status"] == "accepted" and row["address"] == "announced":
            return None  # announced before: nothing changes
        return f"next_key {row['fingerprint']} is already known here ({row['status']}, {row['code'] or 'no code'})"
    now = now_iso()
    conn.execute("UPDATE sync_nodes SET status = 'revoked', decided_at = ? WHERE code = ? AND status = 'accepted'"
                 " AND address = 'announced' AND public_key != ?", (now, code, current_key))
    conn.execute("INSERT INTO sync_nodes (public_key, fingerprint, code, claimed, status, address, first_seen,"
                 " last_seen, decided_at) VALUES (?, ?, ?, ?, 'accepted', 'announced', ?, ?, ?)",
                 (public_key, fingerprint(public_key), code, code, now, now, now))
    return None


def retire_older(conn: sqlite3.Connection, public_key: str, code: str) -> int:
    """Once a child connects with its newest accepted key, revoke its older accepted keys."""
    row = node_by_key(conn, public_key)
    if row is None:
        return 0
    return conn.execute("UPDATE sync_nodes SET status = 'revoked', decided_at = ? WHERE code = ? AND status = 'accepted'"
                        " AND public_key != ? AND decided_at < ?", (now_iso(), code, public_key, row["decided_at"])).rowcount


def revoke_code(conn: sqlite3.Connection, code: str) -> int:
    """Revoke every key of node CODE; returns how many."""
    return conn.execute("UPDATE sync_nodes SET status = 'revoked', decided_at = ? WHERE code = ?"
                        " AND status IN ('accepted', 'pending')", (now_iso(), code)).rowcount


def add_accepted(conn: sqlite3.Connection, public_key: str, code: str, address: str = "") -> None:
    """Enrol PUBLIC_KEY for CODE directly (pre-shared key, as `sanji nodes add` and the demo do)."""
    seen_key(conn, public_key, code, address)
    decide(conn, public_key, "accepted", code)


# ---- quarantine and refusals ----------------------------------------------------------------



def _link_use(conn: sqlite3.Connection, table: str, link_name: str) -> list[int]:
    # [rows, body bytes] of TABLE (sync_quarantine, sync_held) for LINK_NAME, read once per
    # transaction and counted on by the caller: a flood must not rescan the table for every
    # message (that made quarantining and holding quadratic).
    cache = tx_cache(conn).setdefault(table, {})
    if link_name not in cache:
        cache[link_name] = list(conn.execute(f"SELECT COUNT(*), COALESCE(SUM(length(body)), 0) FROM {table}"
                                             " WHERE link = ?", (link_name,)).fetchone())
    return cache[link_name]


def _quarantine_use(conn: sqlite3.Connection, link_name: str) -> list[int]:
    return _link_use(conn, "sync_quarantine", link_name)


def quarantine_full(conn: sqlite3.Connection, link_name: str) -> bool:
    """True when LINK_NAME has MAX_QUARANTINED messages in quarantine: its batches are no longer taken."""
    return _quarantine_use(conn, link_name)[0] >= MAX_QUARANTINED


def quarantine(conn: sqlite3.Connection, link_name: str, seq: int, kind: str, msg_id: str, body: bytes,
               reason: str) -> None:
    """Keep a message that could not be applied, with why: its first bytes, its size and its sha256."""
    body = bytes(body)
    use = _quarantine_use(conn, link_name)
    keep = QUARANTINE_KEEP if use[1] <= QUARANTINE_LINK_BYTES else QUARANTINE_PREFIX  # a flood keeps only starts
    if len(body) > keep:
        reason = f"{reason[:300]} [{len(body)} bytes, sha256 {hashlib.sha256(body).hexdigest()}; first {keep} kept]"
        body = body[:keep]
    conn.execute("INSERT INTO sync_quarantine (link, seq, kind, msg_id, body, reason, at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                 (link_name, seq, kind, msg_id, body, reason[:500], now_iso()))
    use[0], use[1] = use[0] + 1, use[1] + len(body)


def quarantined(conn: sqlite3.Connection, limit: int = 100, link_name: str | None = None,
                before: int | None = None) -> list[dict[str, Any]]:
    """The newest quarantined messages (without bodies), of LINK_NAME if given, with ids below BEFORE if given."""
    args: list[str | int]
    sql, args = "SELECT id, link, seq, kind, msg_id, reason, at, length(body) AS body_bytes FROM sync_quarantine" \
        " WHERE 1 = 1", []
    if link_name:
        sql, args = sql + " AND link = ?", args + [link_name]
    if before:
        sql, args = sql + " AND id < ?", args + [before]
    return [dict(r) for r in conn.execute(sql + " ORDER BY id DESC LIMIT ?", args + [limit])]


def quarantine_by_link(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """[{link, count, bytes, newest}] of every link with quarantined messages."""
    return [dict(r) for r in conn.execute(
        "SELECT link, COUNT(*) AS count, SUM(length(body)) AS bytes, MAX(at) AS newest FROM sync_quarantine"
        " GROUP BY link ORDER BY link")]


def quarantined_row(conn: sqlite3.Connection, qid: int) -> dict[str, Any] | None:
    """Quarantined message QID with its body, or None."""
    row = conn.execute("SELECT * FROM sync_quarantine WHERE id = ?", (qid,)).fetchone()
    return dict(row) if row else None


def unquarantine(conn: sqlite3.Connection, qid: int) -> None:
    """Remove quarantined message QID."""
    conn.execute("DELETE FROM sync_quarantine WHERE id = ?", (qid,))


def quarantine_count(conn: sqlite3.Connection) -> int:
    """How many messages are quarantined."""
    return conn.execute("SELECT COUNT(*) FROM sync_quarantine").fetchone()[0]




def refuse(conn: sqlite3.Connection, peer: str, code: str, detail: str) -> None:
    """Count a refused peer or frame (bad key, revoked key, forged origin, malformed frame): one row per peer and reason."""
    now = now_iso()
    conn.execute("INSERT INTO sync_refusals (at, last_at, peer, code, detail) VALUES (?, ?, ?, ?, ?)"
                 " ON CONFLICT(peer, code) DO UPDATE SET count = count + 1, last_at = excluded.last_at,"
                 " detail = excluded.detail", (now, now, str(peer)[:64], code[:32], detail[:500]))
    if conn.execute("SELECT count FROM sync_refusals WHERE peer = ? AND code = ?",
                    (str(peer)[:64], code[:32])).fetchone()[0] == 1:  # a new row: keep the table bounded now
        _bound(conn, "SELECT COUNT(*) FROM sync_refusals", _PRUNE_REFUSALS, MAX_REFUSAL_ROWS)


_PRUNE_REFUSALS = ("DELETE FROM sync_refusals WHERE id IN (SELECT id FROM sync_refusals ORDER BY last_at DESC"
                   " LIMIT -1 OFFSET ?)")
_PRUNE_PENDING = ("DELETE FROM sync_nodes WHERE public_key IN (SELECT public_key FROM sync_nodes WHERE status = 'pending'"
                  " ORDER BY last_seen DESC LIMIT -1 OFFSET ?)")


def _bound(conn: sqlite3.Connection, count_sql: str, prune_sql: str, limit: int) -> None:
    if conn.execute(count_sql).fetchone()[0] > limit + PRUNE_SLACK:
        conn.execute(prune_sql, (limit,))


def prune(conn: sqlite3.Connection) -> int:
    """Bound the refusal and pending tables (a flood of strangers or garbage must not grow them); returns rows dropped."""
    dropped = conn.execute(_PRUNE_REFUSALS, (MAX_REFUSAL_ROWS,)).rowcount
    return dropped + conn.execute(_PRUNE_PENDING, (MAX_PENDING,)).rowcount


def refusals(conn: sqlite3.Connection, limit: int = 100) -> list[dict[str, Any]]:
    """The most recent refusals, each with how often it happened."""
    return [dict(r) for r in conn.execute("SELECT * FROM sync_refusals ORDER BY last_at DESC, id DESC LIMIT ?",
                                          (limit,))]


# ---- the backlog of events that cannot apply yet, and what the parent refused ------------------



def _held_use(conn: sqlite3.Connection, link_name: str) -> list[int]:
    return _link_use(conn, "sync_held", link_name)


def hold(conn: sqlite3.Connection, link_name: str, seq: int, kind: str, msg_id: str, subject: str, app_id: str,
         body: bytes, reason: str, not_before: int = 0) -> bool:
    """Keep an event that cannot apply yet; False when the link's backlog is full.

    It waits for its application (APP_ID) to arrive, or, with NOT_BEFORE (epoch ms), for this
    node's clock to reach it (an event dated ahead of us).
    """
    use = _held_use(conn, link_name)
    if use[0] >= MAX_HELD or use[1] + len(body) > MAX_HELD_BYTES:
        return False
    conn.execute("INSERT INTO sync_held (link, seq, kind, msg_id, subject, app_id, body, reason, held_at, not_before)"
                 " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                 (link_name, seq, kind, msg_id, subject, app_id, bytes(body), reason[:500], now_iso(), int(not_before)))
    use[0], use[1] = use[0] + 1, use[1] + len(body)
    return True


RELEASE_AT_ONCE = 100  # held events applied in one transaction (the rest in the next ticks: the write lock is shared)


def take_held(conn: sqlite3.Connection, app_id: str, now_ms: int, limit: int = RELEASE_AT_ONCE) -> list[dict[str, Any]]:
    """Up to LIMIT held events of APP_ID whose time has come (NOW_MS), in arrival order, removed from the backlog."""
    rows = [dict(r) for r in conn.execute("SELECT * FROM sync_held WHERE app_id = ? AND not_before <= ? ORDER BY id"
                                          " LIMIT ?", (app_id, now_ms, limit))]
    conn.executemany("DELETE FROM sync_held WHERE id = ?", [(r["id"],) for r in rows])
    return rows


_DUE = ("FROM sync_held h WHERE h.link = ? AND ((h.not_before > 0 AND h.not_before <= ?) OR (h.not_before = 0"
        " AND EXISTS (SELECT 1 FROM applications a WHERE a.id = h.app_id)))")


def take_due(conn: sqlite3.Connection, link_name: str, now_ms: int,
             limit: int = RELEASE_AT_ONCE) -> list[dict[str, Any]]:
    """Up to LIMIT events held on LINK_NAME that can apply now (their time has come, or their application
    arrived and more were held than one arrival releases), removed from the backlog."""
    rows = [dict(r) for r in conn.execute(f"SELECT h.* {_DUE} ORDER BY h.id LIMIT ?", (link_name, now_ms, limit))]
    conn.executemany("DELETE FROM sync_held WHERE id = ?", [(r["id"],) for r in rows])
    return rows


def held_links(conn: sqlite3.Connection) -> list[str]:
    """Links with held events (so a parent serves their backlog even before the child reconnects)."""
    return [r[0] for r in conn.execute("SELECT DISTINCT link FROM sync_held")]


def enrolled(conn: sqlite3.Connection, code: str) -> bool:
    """True when child CODE has an accepted key (a revoked node's held events wait, they are not applied)."""
    return conn.execute("SELECT 1 FROM sync_nodes WHERE code = ? AND status = 'accepted' LIMIT 1",
                        (code,)).fetchone() is not None


def due_held(conn: sqlite3.Connection, link_name: str, now_ms: int) -> bool:
    """True when LINK_NAME has a held event that can apply now (a read, no lock)."""
    return conn.execute(f"SELECT 1 {_DUE} LIMIT 1", (link_name, now_ms)).fetchone() is not None


def set_alarm(conn: sqlite3.Connection, link_name: str, alarm: str, detail: str = "") -> bool:
    """Raise ALARM ('quarantine_full', 'clock', …) on LINK_NAME (or refresh its detail), or clear it with ''.

    True when its kind changed."""
    row = link(conn, link_name)
    if row["alarm"] == alarm and (not alarm or row["alarm_detail"] == detail[:300]):
        return False
    set_link(conn, link_name, alarm=alarm, alarm_detail=detail[:300], alarm_since=now_iso() if alarm else None)
    return row["alarm"] != alarm


def note_refused(conn: sqlite3.Connection, link_name: str, refused: Iterable[tuple[int, str]]) -> None:
    """Record what the peer on LINK_NAME refused ([[seq, reason]], from its ack), against our outbox rows."""
    now = now_iso()
    for seq, reason in refused:
        row = conn.execute("SELECT msg_id FROM sync_outbox WHERE link = ? AND seq = ?", (link_name, seq)).fetchone()
        if row:
            conn.execute("INSERT OR REPLACE INTO sync_refused (link, seq, msg_id, reason, at) VALUES (?, ?, ?, ?, ?)",
                         (link_name, seq, row[0], str(reason)[:300], now))

