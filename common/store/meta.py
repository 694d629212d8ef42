"""SQL for the node's key-value facts (identity, epoch, versions)."""
import sqlite3
from typing import TypeVar, overload

_T = TypeVar("_T")


@overload
def get(conn: sqlite3.Connection, key: str) -> str | None: ...
@overload
def get(conn: sqlite3.Connection, key: str, default: _T) -> str | _T: ...


def get(conn: sqlite3.Connection, key: str, default: object = None) -> object:
    """The value of KEY, or DEFAULT."""
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return row["value"] if row else default


def put(conn: sqlite3.Connection, key: str, value: object) -> None:
    """Set KEY to VALUE."""
    conn.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                 (key, str(value)))
