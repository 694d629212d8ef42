"""SQL for idempotency keys: a retried request with the same key gets the first answer (RFC draft Idempotency-Key).

Looked up and recorded inside the write transaction that does the work, so two requests racing
with one key are serialised by SQLite and only the first does anything.
"""
import hashlib
import sqlite3
from datetime import datetime, timedelta, timezone
from typing import Any

import orjson

from ..errors import Conflict, ValidationError
from .db import now_iso

KEEP_DAYS = 30
MAX_KEY = 100


def check_key(key: object) -> str:
    """KEY if it is a usable Idempotency-Key (1–100 printable ASCII characters), else ValidationError."""
    if not isinstance(key, str) or not 0 < len(key) <= MAX_KEY or not all(" " < c < "\x7f" for c in key):
        raise ValidationError(f"Idempotency-Key 须是 1–{MAX_KEY} 个可见 ASCII 字符 / Idempotency-Key must be "
                              f"1–{MAX_KEY} printable ASCII characters", fix="send a UUID made once per submission")
    return key


def request_hash(body: Any) -> str:
    """A digest of the request BODY, so a key reused for another request is caught."""
    return hashlib.sha256(orjson.dumps(body, option=orjson.OPT_SORT_KEYS)).hexdigest()


def earlier(conn: sqlite3.Connection, key: str, digest: str) -> str | None:
    """The app_id the first request with KEY made, or None; Conflict when KEY came with another request."""
    row = conn.execute("SELECT request_hash, app_id FROM idempotency_keys WHERE key = ?", (key,)).fetchone()
    if row is None:
        return None
    if row[0] != digest:
        raise Conflict("这个 Idempotency-Key 已用于另一份申请 / this Idempotency-Key was used for another request",
                       fix="make a new key for each new submission; reuse it only to retry the same one")
    return row[1]


def remember(conn: sqlite3.Connection, key: str, digest: str, app_id: str) -> None:
    """Record that KEY made APP_ID (inside the same transaction); forgets keys older than KEEP_DAYS."""
    cutoff = (datetime.now(timezone.utc) - timedelta(days=KEEP_DAYS)).isoformat(timespec="milliseconds")
    conn.execute("DELETE FROM idempotency_keys WHERE created_at < ?", (cutoff,))
    conn.execute("INSERT INTO idempotency_keys (key, request_hash, app_id, created_at) VALUES (?, ?, ?, ?)",
                 (key, digest, app_id, now_iso()))
