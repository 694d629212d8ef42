"""SQL for server-side web sessions. Only a hash of the cookie's token is stored."""
import hashlib
import sqlite3
from typing import Any


def token_hash(token: str) -> str:
    """sha256 of a session token: a stolen database holds no usable cookie."""
    return hashlib.sha256(token.encode()).hexdigest()


def get(conn: sqlite3.Connection, token: str) -> dict[str, Any] | None:
    """The session row for TOKEN as a dict, or None."""
    row = conn.execute("SELECT * FROM sessions WHERE token_hash = ?", (token_hash(token),)).fetchone()
    return dict(row) if row else None


def save(conn: sqlite3.Connection, token: str, user_id: int | None, data: str, created_at: str, last_seen: str) -> None:
    """Insert or update the session TOKEN."""
    conn.execute("INSERT INTO sessions (token_hash, user_id, data, created_at, last_seen) VALUES (?, ?, ?, ?, ?)"
                 " ON CONFLICT(token_hash) DO UPDATE SET user_id = excluded.user_id, data = excluded.data,"
                 " last_seen = excluded.last_seen", (token_hash(token), user_id, data, created_at, last_seen))


def delete(conn: sqlite3.Connection, token: str) -> None:
    """Revoke the session TOKEN."""
    conn.execute("DELETE FROM sessions WHERE token_hash = ?", (token_hash(token),))


def delete_for_user(conn: sqlite3.Connection, user_id: int) -> None:
    """Revoke every session of USER_ID (disable, password reset)."""
    conn.execute("DELETE FROM sessions WHERE user_id = ?", (user_id,))


def purge_older_than(conn: sqlite3.Connection, iso: str) -> int:
    """Drop sessions not seen since ISO; returns how many."""
    return conn.execute("DELETE FROM sessions WHERE last_seen < ?", (iso,)).rowcount
