"""SQLite connections (WAL, synchronous=FULL, foreign keys, busy timeout) and the migration runner."""
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from ..errors import MigrationError, StorageError

BUSY_TIMEOUT_MS = 10_000


class NodeConnection(sqlite3.Connection):
    """A connection that can carry a per-transaction cache (see `tx_cache`) and knows its file."""

    tx_values: dict[str, Any] | None = None
    write_lock: "threading.Lock | None" = None  # (quoted: threading.Lock is a function at run time)


_write_locks: dict[str, threading.Lock] = {}
_write_locks_guard = threading.Lock()


def _lock_for(path: str | os.PathLike[str]) -> threading.Lock:
    # Threads of one process writing one file queue on a Python lock and wake the moment the
    # writer commits; SQLite's own busy handler would sleep in steps of up to 100 ms instead.
    key = os.path.realpath(str(path))
    with _write_locks_guard:
        return _write_locks.setdefault(key, threading.Lock())


WAL_KEEP_BYTES = 4 * 1024 * 1024  # about SQLite's auto-checkpoint size (1000 pages)


def connect(path: str | os.PathLike[str]) -> NodeConnection:
    """Open PATH with the pragmas every node uses; autocommit mode, transactions via `transaction`."""
    try:
        conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None,
                               check_same_thread=False, factory=NodeConnection)
    except sqlite3.Error as exc:
        raise StorageError(f"无法打开数据库 {path}: {exc}", fix="check the data folder exists and is writable") from exc
    conn.row_factory = sqlite3.Row
    conn.write_lock = _lock_for(path)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA journal_mode = WAL")
    # FULL: a transaction that returned is on disk, so an acknowledgement never outruns durability.
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA foreign_keys = ON")
    # After a checkpoint the WAL file is cut back to this size: one large burst (a flood, a restore)
    # must not leave a file of its size on disk for good.
    conn.execute(f"PRAGMA journal_size_limit = {WAL_KEEP_BYTES}")
    return conn


def tx_cache(conn: sqlite3.Connection) -> dict[str, Any]:
    """A dict that lives for the current write transaction of CONN.

    Under BEGIN IMMEDIATE no other connection writes until COMMIT, so values read inside the
    transaction (the outbox's next sequence, the audit chain's head) stay true until it ends.
    Connections not made by `connect` get a fresh dict each time (no caching).
    """
    if not isinstance(conn, NodeConnection) or not conn.in_transaction:
        return {}
    if conn.tx_values is None:
        conn.tx_values = {}
    return conn.tx_values


def _drop_cache(conn: sqlite3.Connection) -> None:
    if isinstance(conn, NodeConnection):
        conn.tx_values = None


def before_commit(conn: sqlite3.Connection, name: str, flush: Callable[[sqlite3.Connection], object]) -> None:
    """Run FLUSH(conn) once just before the current transaction commits (a unit of work).

    Without a NodeConnection (no cache to defer into) FLUSH runs at once.
    """
    if not isinstance(conn, NodeConnection) or not conn.in_transaction:
        flush(conn)
        return
    tx_cache(conn).setdefault("before_commit", {})[name] = flush


def _run_before_commit(conn: sqlite3.Connection) -> None:
    hooks = tx_cache(conn).get("before_commit") if isinstance(conn, NodeConnection) else None
    for flush in list((hooks or {}).values()):
        flush(conn)


def _snapshot(conn: sqlite3.Connection) -> dict[str, Any] | None:
    if not isinstance(conn, NodeConnection) or conn.tx_values is None:
        return None
    # Values are replaced, never mutated, except these containers: copy them one level down.
    return {k: (dict(v) if isinstance(v, dict) else set(v) if isinstance(v, set) else
                list(v) if isinstance(v, list) else v)
            for k, v in conn.tx_values.items()}


@contextmanager
def transaction(conn: sqlite3.Connection, immediate: bool = True) -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE … COMMIT, or ROLLBACK on any exception. Nested use joins the outer one."""
    if conn.in_transaction:
        yield conn
        return
    lock = getattr(conn, "write_lock", None) if immediate else None
    if lock is not None:
        lock.acquire()
    try:
        _drop_cache(conn)
        conn.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")
        try:
            yield conn
            _run_before_commit(conn)
        except BaseException:
            _drop_cache(conn)
            conn.execute("ROLLBACK")
            raise
        _drop_cache(conn)
        conn.execute("COMMIT")
    finally:
        if lock is not None:
            lock.release()


def now_iso() -> str:
    """UTC now as an ISO-8601 string with milliseconds, the timestamp format of every table."""
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def tx_now(conn: sqlite3.Connection) -> str:
    """One `now_iso()` for everything a write transaction stores (a batch's rows share its time)."""
    cache = tx_cache(conn)
    if "now" not in cache:
        cache["now"] = now_iso()
    return cache["now"]


@dataclass(frozen=True)
class Migration:
    """One named schema step; `apply` gets a connection inside the step's transaction."""

    name: str
    apply: Callable[[sqlite3.Connection], None]


def _script(sql: str) -> Callable[[sqlite3.Connection], None]:
    def apply(conn: sqlite3.Connection) -> None:
        for statement in _split(sql):
            conn.execute(statement)
    return apply


def _split(sql: str) -> list[str]:
    # executescript() would COMMIT our transaction; split into statements instead, keeping
    # trigger bodies (BEGIN … END;) whole.
    statements, buf = [], ""
    for line in sql.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            if buf.strip():
                statements.append(buf.strip())
            buf = ""
    if buf.strip():
        statements.append(buf.strip())
    return statements


def sql_migration(name: str, sql: str) -> Migration:
    """A migration made of SQL statements."""
    return Migration(name, _script(sql))


def applied_migrations(conn: sqlite3.Connection) -> list[str]:
    """Names of the migrations recorded in this database, in the order they ran."""
    conn.execute("CREATE TABLE IF NOT EXISTS schema_migrations ("
                 " seq INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE, applied_at TEXT NOT NULL)")
    return [r["name"] for r in conn.execute("SELECT name FROM schema_migrations ORDER BY seq")]


def migrate(conn: sqlite3.Connection, migrations: Sequence[Migration]) -> list[str]:
    """Run each pending migration in list order, each in its own transaction with its record.

    A failing step rolls back (schema and record alike) and stays pending; the error names it.
    Returns the names applied now.
    """
    names = [m.name for m in migrations]
    if len(set(names)) != len(names):
        raise MigrationError("迁移名称重复 / duplicate migration names", details=names)
    done = set(applied_migrations(conn))
    # The list is COMMON then the tier's own: a step appended to COMMON later runs after the
    # tier's steps in a database made before it, so only steps this version does not know are refused.
    if done - set(names):
        raise MigrationError(
            "数据库的迁移记录与本版本不一致 / the database was migrated by a different version",
            details=[f"database: {sorted(done)}", f"this version: {names}"],
            fix="run the sanji version that created this database, or restore a matching backup",
        )
    ran = []
    for m in [m for m in migrations if m.name not in done]:
        try:
            with transaction(conn):
                m.apply(conn)
                conn.execute("INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)", (m.name, now_iso()))
        except sqlite3.Error as exc:
            raise MigrationError(f"迁移 {m.name} 失败并已回滚 / migration {m.name} failed and was rolled back: {exc}",
                                 fix="fix the cause and start the node again; the step will be retried") from exc
        ran.append(m.name)
    return ran


def integrity_ok(conn: sqlite3.Connection) -> bool:
    """True when PRAGMA integrity_check says ok."""
    return conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


@contextmanager
def savepoint(conn: sqlite3.Connection, name: str = "sp") -> Iterator[sqlite3.Connection]:
    """A nested rollback point inside the current transaction: on error, undo only this block."""
    conn.execute(f"SAVEPOINT {name}")
    saved = _snapshot(conn)
    try:
        yield conn
    except BaseException:
        if isinstance(conn, NodeConnection):
            conn.tx_values = saved  # the cache goes back with the rows
        conn.execute(f"ROLLBACK TO SAVEPOINT {name}")
        conn.execute(f"RELEASE SAVEPOINT {name}")
        raise
    conn.execute(f"RELEASE SAVEPOINT {name}")
