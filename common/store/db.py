"""SQLite connections (WAL, synchronous=FULL, foreign keys, busy timeout) and the migration runner."""
import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable

from ..errors import MigrationError, StorageError

BUSY_TIMEOUT_MS = 10_000


def connect(path):
    """Open PATH with the pragmas every node uses; autocommit mode, transactions via `transaction`."""
    try:
        conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None,
                               check_same_thread=False)
    except sqlite3.Error as exc:
        raise StorageError(f"无法打开数据库 {path}: {exc}", fix="check the data folder exists and is writable") from exc
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA journal_mode = WAL")
    # FULL: a transaction that returned is on disk, so an acknowledgement never outruns durability.
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


@contextmanager
def transaction(conn, immediate=True):
    """BEGIN IMMEDIATE … COMMIT, or ROLLBACK on any exception. Nested use joins the outer one."""
    if conn.in_transaction:
        yield conn
        return
    conn.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def now_iso():
    """UTC now as an ISO-8601 string with milliseconds, the timestamp format of every table."""
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


@dataclass(frozen=True)
class Migration:
    """One named schema step; `apply` gets a connection inside the step's transaction."""

    name: str
    apply: Callable


def _script(sql):
    def apply(conn):
        for statement in _split(sql):
            conn.execute(statement)
    return apply


def _split(sql):
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


def sql_migration(name, sql):
    """A migration made of SQL statements."""
    return Migration(name, _script(sql))


def applied_migrations(conn):
    """Names of the migrations recorded in this database, in the order they ran."""
    conn.execute("CREATE TABLE IF NOT EXISTS schema_migrations ("
                 " seq INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE, applied_at TEXT NOT NULL)")
    return [r["name"] for r in conn.execute("SELECT name FROM schema_migrations ORDER BY seq")]


def migrate(conn, migrations):
    """Run each pending migration in order, each in its own transaction with its record.

    A failing step rolls back (schema and record alike) and stays pending; the error names it.
    Returns the names applied now.
    """
    names = [m.name for m in migrations]
    if len(set(names)) != len(names):
        raise MigrationError("迁移名称重复 / duplicate migration names", details=names)
    done = applied_migrations(conn)
    if done != names[: len(done)]:
        raise MigrationError(
            "数据库的迁移记录与本版本不一致 / the database was migrated by a different version",
            details=[f"database: {done}", f"this version: {names}"],
            fix="run the sanji version that created this database, or restore a matching backup",
        )
    ran = []
    for m in migrations[len(done):]:
        try:
            with transaction(conn):
                m.apply(conn)
                conn.execute("INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)", (m.name, now_iso()))
        except sqlite3.Error as exc:
            raise MigrationError(f"迁移 {m.name} 失败并已回滚 / migration {m.name} failed and was rolled back: {exc}",
                                 fix="fix the cause and start the node again; the step will be retried") from exc
        ran.append(m.name)
    return ran


def integrity_ok(conn):
    """True when PRAGMA integrity_check says ok."""
    return conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


@contextmanager
def savepoint(conn, name="sp"):
    """A nested rollback point inside the current transaction: on error, undo only this block."""
    conn.execute(f"SAVEPOINT {name}")
    try:
        yield conn
    except BaseException:
        conn.execute(f"ROLLBACK TO SAVEPOINT {name}")
        conn.execute(f"RELEASE SAVEPOINT {name}")
        raise
    conn.execute(f"RELEASE SAVEPOINT {name}")
