"""SQL for staff accounts and their roles."""
import sqlite3
from collections.abc import Iterable
from typing import Any, overload

from .db import now_iso, transaction


def create(conn: sqlite3.Connection, username: str, display_name: str, password_hash: str,
           roles: Iterable[tuple[str, str | None]], must_change: bool = False, phone: str = "") -> int:
    """Insert a user with ROLES [(role, department)] (and a mobile PHONE, '' for none); returns the new id."""
    with transaction(conn):
        cur = conn.execute("INSERT INTO users (username, display_name, password_hash, created_at, must_change_password,"
                           " phone) VALUES (?, ?, ?, ?, ?, ?)",
                           (username, display_name, password_hash, now_iso(), int(must_change), phone))
        uid = cur.lastrowid
        assert uid is not None  # an INSERT sets it
        conn.executemany("INSERT INTO user_roles (user_id, role, department) VALUES (?, ?, ?)",
                         [(uid, role, dept or "") for role, dept in roles])
    return uid


def by_username(conn: sqlite3.Connection, username: str) -> dict[str, Any] | None:
    """The user row for USERNAME (case-insensitive) as a dict, or None."""
    row = conn.execute("SELECT * FROM users WHERE username = ?", (username,)).fetchone()
    return _with_roles(conn, row)


def by_id(conn: sqlite3.Connection, uid: int) -> dict[str, Any] | None:
    """The user row for UID as a dict, or None."""
    row = conn.execute("SELECT * FROM users WHERE id = ?", (uid,)).fetchone()
    return _with_roles(conn, row)


@overload
def _with_roles(conn: sqlite3.Connection, row: sqlite3.Row) -> dict[str, Any]: ...
@overload
def _with_roles(conn: sqlite3.Connection, row: None) -> None: ...


def _with_roles(conn: sqlite3.Connection, row: sqlite3.Row | None) -> dict[str, Any] | None:
    if row is None:
        return None
    user = dict(row)
    user["roles"] = [(r["role"], r["department"]) for r in
                     conn.execute("SELECT role, department FROM user_roles WHERE user_id = ? ORDER BY role, department",
                                  (user["id"],))]
    return user


def all_users(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """Every user with roles, by username."""
    return [_with_roles(conn, r) for r in conn.execute("SELECT * FROM users ORDER BY username")]


def set_phone(conn: sqlite3.Connection, uid: int, phone: str) -> None:
    """Replace the account's mobile number ('' for none)."""
    conn.execute("UPDATE users SET phone = ? WHERE id = ?", (phone, uid))


def set_disabled(conn: sqlite3.Connection, uid: int, disabled: bool) -> None:
    """Disable or re-enable an account."""
    conn.execute("UPDATE users SET disabled = ? WHERE id = ?", (int(disabled), uid))


def set_password(conn: sqlite3.Connection, uid: int, password_hash: str, must_change: bool = False) -> None:
    """Replace the password hash and clear any lock."""
    conn.execute("UPDATE users SET password_hash = ?, failed_logins = 0, locked_until = NULL,"
                 " must_change_password = ? WHERE id = ?", (password_hash, int(must_change), uid))


def record_failure(conn: sqlite3.Connection, uid: int, locked_until: str | None) -> None:
    """Count one failed login; LOCKED_UNTIL (ISO) when this failure locks the account."""
    conn.execute("UPDATE users SET failed_logins = failed_logins + 1, locked_until = COALESCE(?, locked_until)"
                 " WHERE id = ?", (locked_until, uid))


def clear_failures(conn: sqlite3.Connection, uid: int) -> None:
    """Reset the failure count after a good login or an expired lock."""
    conn.execute("UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = ?", (uid,))
