"""The public progress check's guard: a tracking code locks after repeated wrong last-4s; a client is throttled.

The last 4 of an ID or phone number are only 10,000 guesses: without a limit they were found in
7,392 tries in 6 s. Every failure gets the same answer (unknown code, wrong digits, locked), so the
answer tells a guesser nothing. Counts per code live in SQLite (they survive a restart); the
per-client throttle lives in memory (it only has to outlast a burst).
"""
import threading
import time
from collections import deque
from datetime import datetime, timedelta, timezone

from common.store import audit
from common.store.db import now_iso, sql_migration, transaction

MAX_FAILURES = 5          # wrong last-4s for one code before it locks
LOCK_MINUTES = 15

MIGRATIONS = [
    sql_migration("village_0002_lookup_failures", """
        CREATE TABLE lookup_failures (
            code TEXT PRIMARY KEY,
            failures INTEGER NOT NULL,
            locked_until TEXT,
            last_at TEXT NOT NULL
        );
    """),
]


def locked(conn, code):
    """True while CODE is locked after too many wrong guesses."""
    row = conn.execute("SELECT locked_until FROM lookup_failures WHERE code = ?", (code,)).fetchone()
    return bool(row and row[0] and row[0] > now_iso())


def failed(conn, code, ip):
    """Count a wrong guess for CODE (inside a transaction); locks it at MAX_FAILURES, audited."""
    conn.execute("INSERT INTO lookup_failures (code, failures, last_at) VALUES (?, 1, ?) ON CONFLICT(code)"
                 " DO UPDATE SET failures = failures + 1, last_at = excluded.last_at", (code, now_iso()))
    failures = conn.execute("SELECT failures FROM lookup_failures WHERE code = ?", (code,)).fetchone()[0]
    if failures >= MAX_FAILURES:
        until = (datetime.now(timezone.utc) + timedelta(minutes=LOCK_MINUTES)).isoformat(timespec="milliseconds")
        conn.execute("UPDATE lookup_failures SET failures = 0, locked_until = ? WHERE code = ?", (until, code))
        audit.record(conn, "kiosk", "status.locked", code, {"minutes": LOCK_MINUTES}, ip)


def succeeded(conn, code):
    """A right guess clears CODE's count."""
    conn.execute("DELETE FROM lookup_failures WHERE code = ? AND (locked_until IS NULL OR locked_until < ?)",
                 (code, now_iso()))


class Throttle:
    """At most PER_MINUTE calls per client address in any minute (thread-safe, bounded memory)."""

    def __init__(self, per_minute, max_clients=10_000):
        self.per_minute, self.max_clients = per_minute, max_clients
        self._seen = {}
        self._lock = threading.Lock()

    def allow(self, client, now=None):
        """True when CLIENT may make one more call now."""
        now = time.monotonic() if now is None else now
        with self._lock:
            if len(self._seen) > self.max_clients:
                self._seen.clear()
            calls = self._seen.setdefault(client, deque())
            while calls and now - calls[0] > 60:
                calls.popleft()
            if len(calls) >= self.per_minute:
                return False
            calls.append(now)
            return True


def guarded(conn, code, ip, match):
    """MATCH() (the doc, or None) under the lock rules; None for every kind of failure."""
    with transaction(conn):
        if locked(conn, code):
            return None
        doc = match()
        if doc is None:
            failed(conn, code, ip)
        else:
            succeeded(conn, code)
        return doc
