"""SQL for the directory of signing keys: which public key(s) sign for which node code.

Learned from the links, each from the node that may vouch for it: a child's own key from its
hello, its subtree's keys from `node_key` messages it relays, the parent's and the ancestors' from
the welcome. A code may have several keys (a reinstalled node), so older events still verify.
"""
import sqlite3
from collections.abc import Iterable

from .db import now_iso

MAX_PER_CODE = 8  # a child cannot grow the directory without bound


def of(conn: sqlite3.Connection, code: str) -> list[str]:
    """The signing public keys (hex) known for node CODE."""
    return [r[0] for r in conn.execute("SELECT sign_key FROM node_keys WHERE code = ? ORDER BY added_at", (code,))]


def add(conn: sqlite3.Connection, code: str, sign_key: str, source: str) -> bool:
    """Record SIGN_KEY for CODE (learned from link SOURCE); True when it is new here.

    Past MAX_PER_CODE keys for one code, nothing more is added (False).
    """
    if conn.execute("SELECT 1 FROM node_keys WHERE code = ? AND sign_key = ?", (code, sign_key)).fetchone():
        return False
    if conn.execute("SELECT COUNT(*) FROM node_keys WHERE code = ?", (code,)).fetchone()[0] >= MAX_PER_CODE:
        return False
    conn.execute("INSERT INTO node_keys (code, sign_key, source, added_at) VALUES (?, ?, ?, ?)",
                 (code, sign_key, source, now_iso()))
    return True


def in_subtree(conn: sqlite3.Connection, root: str) -> list[tuple[str, str]]:
    """[(code, sign_key)] of ROOT and every node below it (what a child re-offers its parent)."""
    return [(r[0], r[1]) for r in conn.execute(
        "SELECT code, sign_key FROM node_keys WHERE substr(code, 1, ?) = ? ORDER BY code, added_at",
        (len(root), root))]


def of_codes(conn: sqlite3.Connection, codes: Iterable[str]) -> dict[str, list[str]]:
    """{code: [sign keys]} for CODES (the ancestors a welcome tells a child about)."""
    out = {}
    for code in codes:
        keys = of(conn, code)
        if keys:
            out[code] = keys
    return out
