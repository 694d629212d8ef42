"""Content-addressed blobs (photos and scans of materials): files named by sha256, rows in `blobs`.

Complete blobs live at blobs/<aa>/<sha256>; a blob being received grows at blobs/partial/<sha256>
and is verified before it is moved into place, so a reader never sees a wrong or partial file.
"""
import hashlib
import os
import secrets
import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from datetime import datetime, timedelta, timezone

from ..domain.submission import MAX_MATERIAL_BYTES
from ..errors import TooMany, ValidationError
from .db import now_iso

UPLOAD_TTL_HOURS = 24       # an uploaded photo no application claimed is collected after this
MAX_UPLOADS_PENDING = 60    # unclaimed uploads per uploader (a submission has at most 50 materials)
MAX_UPLOADER_BYTES = 96 * 1024 * 1024   # and their bytes (a shrunk photo is 0.3–2.6 MB)
MAX_UPLOAD_BYTES_PENDING = 1024 * 1024 * 1024  # unclaimed upload bytes on the whole node
SHARED = "*"  # the uploader of bytes two uploaders sent: each proved it holds them
CHUNK = 256 * 1024
MAX_ORIGINS = 5000  # nodes below one link whose photos the pull queue takes turns between (a county has ~300 villages)
MAX_BLOB = MAX_MATERIAL_BYTES  # a blob is a photo or scan of a material


def path_of(data_dir: str | os.PathLike[str], sha: str) -> Path:
    """Where the complete blob SHA lives."""
    return Path(data_dir) / "blobs" / sha[:2] / sha


def partial_of(data_dir: str | os.PathLike[str], sha: str) -> Path:
    """Where the blob SHA grows while it is received."""
    return Path(data_dir) / "blobs" / "partial" / sha


def _fsync_write(path: Path, data: bytes, offset: int | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = "r+b" if offset is not None and path.exists() else "wb"
    with open(path, mode) as f:
        if offset is not None:
            f.seek(offset)
            f.truncate()
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def fsync_dir(path: str | os.PathLike[str]) -> None:
    """Make a rename or a new file in folder PATH durable (a power cut must not undo it after our row says so)."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def durable_write(path: str | os.PathLike[str], data: bytes) -> None:
    """Write DATA to PATH (a temporary name, fsync, rename, fsync of the folder): whole or not there."""
    path = Path(path)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")  # two writers never share one
    _fsync_write(tmp, data)
    os.replace(tmp, path)
    fsync_dir(path.parent)


def put(conn: sqlite3.Connection, data_dir: str | os.PathLike[str], data: bytes, uploader: str = "") -> str:
    """Store DATA (bytes) as a complete blob; returns its sha256. Idempotent.

    UPLOADER (an API upload's owner) marks it unclaimed until an application refers to it; a blob
    already held keeps its owner (or none).
    """
    sha = hashlib.sha256(data).hexdigest()
    target = path_of(data_dir, sha)
    if not target.exists():
        durable_write(target, data)
    conn.execute("INSERT INTO blobs (sha256, size, have, complete, created_at, uploader) VALUES (?, ?, ?, 1, ?, ?)"
                 " ON CONFLICT(sha256) DO UPDATE SET size = excluded.size, have = excluded.have, complete = 1,"
                 " uploader = CASE WHEN blobs.uploader NOT IN ('', excluded.uploader) AND excluded.uploader != ''"
                 " THEN ? ELSE blobs.uploader END", (sha, len(data), len(data), now_iso(), uploader, SHARED))
    return sha


def check_upload_room(conn: sqlite3.Connection, uploader: str, size: int) -> None:
    """TooMany when UPLOADER has MAX_UPLOADS_PENDING unclaimed uploads, or the node's unclaimed bytes are at their bound."""
    # A photo's full copy is kept beside it (a second row): it is counted in bytes, not as a photo.
    count, mine = conn.execute("SELECT COALESCE(SUM(sha256 NOT IN (SELECT full FROM blobs WHERE uploader = ?"
                               " AND full != '')), 0), COALESCE(SUM(size), 0) FROM blobs WHERE uploader = ?",
                               (uploader, uploader)).fetchone()
    if count >= MAX_UPLOADS_PENDING or mine + size > MAX_UPLOADER_BYTES:
        raise TooMany(f"已上传 {count} 张照片还没有提交 / {count} photos uploaded and not yet used in an application",
                      fix=f"submit the application that uses them, or wait: unused photos are removed after "
                          f"{UPLOAD_TTL_HOURS} hours")
    total = conn.execute("SELECT COALESCE(SUM(size), 0) FROM blobs WHERE uploader != ''").fetchone()[0]
    if total + size > MAX_UPLOAD_BYTES_PENDING:
        raise TooMany("本机暂存的待提交照片已满，请稍后再试 / this node holds as many unsubmitted photos as it may",
                      fix=f"try again later: photos no application used are removed after {UPLOAD_TTL_HOURS} hours")


def claim(conn: sqlite3.Connection, shas: Iterable[str]) -> None:
    """The blobs SHAS now belong to an application: no longer an uploader's, never collected."""
    conn.executemany("UPDATE blobs SET uploader = '' WHERE sha256 = ?", [(s,) for s in shas])


def collect_uploads(conn: sqlite3.Connection, data_dir: str | os.PathLike[str], hours: float = UPLOAD_TTL_HOURS) -> int:
    """Remove uploads older than HOURS that no application claimed (rows and files); returns how many."""
    before = (datetime.now(timezone.utc) - timedelta(hours=hours)).isoformat(timespec="milliseconds")
    rows = [r[0] for r in conn.execute("SELECT sha256 FROM blobs WHERE uploader != '' AND created_at < ?"
                                       " AND sha256 NOT IN (SELECT sha256 FROM blob_refs)", (before,))]
    for sha in rows:
        conn.execute("DELETE FROM blobs WHERE sha256 = ?", (sha,))
        path_of(data_dir, sha).unlink(missing_ok=True)
    return len(rows)


def want(conn: sqlite3.Connection, sha: str, source: str, size: object = 0, origin: object = "",
         urgent: bool = False) -> None:
    """Note that blob SHA (of SIZE bytes, 0: not said) is to be pulled from link SOURCE (no-op when held or wanted).

    ORIGIN: the node whose application refers to it (the pull queue takes turns between origins).
    URGENT: someone is waiting for it (a full copy a reviewer asked for): it is its origin's next.
    """
    size = size if isinstance(size, int) and 0 < size <= MAX_BLOB else 0
    origin = origin if isinstance(origin, str) and len(origin) <= 32 else ""
    conn.execute("INSERT OR IGNORE INTO blobs (sha256, size, have, complete, source, created_at, origin, urgent)"
                 " VALUES (?, ?, 0, 0, ?, ?, ?, ?)", (sha, size, source, now_iso(), origin, int(bool(urgent))))
    if urgent:
        conn.execute("UPDATE blobs SET urgent = 1 WHERE sha256 = ? AND complete = 0", (sha,))


def note_missing(conn: sqlite3.Connection, sha: str) -> None:
    """The holder answered it lacks blob SHA: kept on an urgent blob's row, so a reviewer is told."""
    conn.execute("UPDATE blobs SET missing_at = ? WHERE sha256 = ? AND complete = 0 AND urgent = 1", (now_iso(), sha))


def set_full(conn: sqlite3.Connection, sha: str, full_sha: str) -> None:
    """Note that FULL_SHA is the full copy of the review copy SHA (both held here)."""
    conn.execute("UPDATE blobs SET full = ? WHERE sha256 = ?", (full_sha, sha))


def row(conn: sqlite3.Connection, sha: str) -> dict[str, Any] | None:
    """The blob's row, or None."""
    r = conn.execute("SELECT * FROM blobs WHERE sha256 = ?", (sha,)).fetchone()
    return dict(r) if r else None


def wanted(conn: sqlite3.Connection, source: str, per_origin: int = 2, limit: int | None = None,
           skip: Iterable[str] = ()) -> list[dict[str, Any]]:
    """Incomplete blobs to pull from SOURCE: each origin's next PER_ORIGIN, as rows with `turn` (1: its next).

    Every origin's (at most MAX_ORIGINS); LIMIT cuts the list, but the pull loop must not: the
    turns it takes by when it last asked an origin are applied after this order.

    An origin's next are its urgent ones (asked for by someone waiting), then its oldest. SKIP:
    shas not to count (in flight, or the holder lacks them for now), left out before each
    origin's next are taken, so photos a kiosk lost cannot hold back the ones after them. The
    caller takes turns between origins (a village with weeks of photos must not keep a
    neighbour's one new photo waiting behind all of them).

    The origins are found by skipping through the index (one seek each), and each one's next
    by one more: the time depends on the origins waiting, not on the photos (100,000 photos
    waiting from 300 villages: 0.3 s numbered in a window, a few ms this way).
    """
    skip = list(skip)[:900]  # (SQLite's bound on parameters)
    marks = f" AND sha256 NOT IN ({', '.join('?' * len(skip))})" if skip else ""
    rows = conn.execute(
        "WITH RECURSIVE o(origin) AS ("
        " SELECT MIN(origin) FROM blobs WHERE complete = 0 AND source = ?"
        " UNION ALL SELECT (SELECT MIN(origin) FROM blobs WHERE complete = 0 AND source = ? AND origin > o.origin)"
        " FROM o WHERE o.origin IS NOT NULL LIMIT ?)"  # every origin: the caller's turns pick among them
        " SELECT b.* FROM o JOIN blobs b ON b.rowid IN (SELECT rowid FROM blobs WHERE complete = 0 AND source = ?"
        f" AND origin = o.origin{marks} ORDER BY urgent DESC, created_at LIMIT ?)",
        (source, source, MAX_ORIGINS, source, *skip, per_origin)).fetchall()
    turns: dict[str, int] = {}
    out: list[dict[str, Any]] = []
    for r in sorted((dict(r) for r in rows), key=lambda b: (b["origin"], -b["urgent"], b["created_at"])):
        r["turn"] = turns[r["origin"]] = turns.get(r["origin"], 0) + 1
        out.append(r)
    out.sort(key=lambda b: (b["turn"], -b["urgent"], b["created_at"]))
    return out if limit is None else out[:limit]


def arriving_by_origin(conn: sqlite3.Connection, limit: int = 500) -> list[dict[str, Any]]:
    """Photos not yet complete here, by the node whose application named them: [{origin, photos, bytes, oldest}]."""
    return [dict(r) for r in conn.execute(
        "SELECT origin, COUNT(*) AS photos, COALESCE(SUM(MAX(size - have, 0)), 0) AS bytes, MIN(created_at) AS oldest"
        " FROM blobs WHERE complete = 0 GROUP BY origin ORDER BY MIN(created_at) LIMIT ?", (limit,))]


def backlog(conn: sqlite3.Connection, source: str) -> tuple[int, int]:
    """(photos, bytes) still to pull from link SOURCE (bytes as far as their sizes were said)."""
    n, left, _ = backlog_sized(conn, source)
    return n, left


def backlog_sized(conn: sqlite3.Connection, source: str) -> sqlite3.Row:
    """(photos, bytes, photos whose size was not said) still to pull from link SOURCE."""
    return conn.execute("SELECT COUNT(*), COALESCE(SUM(MAX(size - have, 0)), 0), COALESCE(SUM(size = 0), 0)"
                        " FROM blobs WHERE complete = 0 AND source = ?", (source,)).fetchone()


def serves(conn: sqlite3.Connection, sha: str, subtree: str) -> bool:
    """True when blob SHA belongs to an application born in SUBTREE (what a child may be sent)."""
    return conn.execute("SELECT 1 FROM blob_refs r JOIN applications a ON a.id = r.app_id"
                        " WHERE r.sha256 = ? AND substr(a.origin, 1, ?) = ? LIMIT 1",
                        (sha, len(subtree), subtree)).fetchone() is not None


def referring_apps(conn: sqlite3.Connection, sha: str, limit: int = 20) -> list[str]:
    """Ids of (up to LIMIT) applications whose materials refer to blob SHA."""
    return [r[0] for r in conn.execute("SELECT app_id FROM blob_refs WHERE sha256 = ? LIMIT ?", (sha, limit))]


def referring_origins(conn: sqlite3.Connection, sha: str) -> list[str]:
    """Origins of the applications whose materials refer to blob SHA (where it may be pulled from)."""
    return [r[0] for r in conn.execute("SELECT DISTINCT a.origin FROM blob_refs r JOIN applications a"
                                       " ON a.id = r.app_id WHERE r.sha256 = ? ORDER BY a.origin", (sha,))]


def move_source(conn: sqlite3.Connection, data_dir: str | os.PathLike[str], sha: str, source: str) -> None:
    """Pull the incomplete blob SHA from link SOURCE instead, from the start."""
    partial_of(data_dir, sha).unlink(missing_ok=True)
    conn.execute("UPDATE blobs SET source = ?, have = 0 WHERE sha256 = ? AND complete = 0", (source, sha))


def read_chunk(data_dir: str | os.PathLike[str], sha: str, offset: int, size: int = CHUNK) -> tuple[bytes, int] | None:
    """(chunk bytes, total size) of complete blob SHA from OFFSET, or None when not held."""
    path = path_of(data_dir, sha)
    if not path.exists():
        return None
    total = path.stat().st_size
    with open(path, "rb") as f:
        f.seek(offset)
        return f.read(size), total


def write_chunk(conn: sqlite3.Connection, data_dir: str | os.PathLike[str], sha: str, offset: int, total: int,
                data: bytes, source: str | None = None) -> int:
    """Append a received chunk at OFFSET; verify and complete at the end. Returns bytes now held.

    Only a blob wanted from link SOURCE takes its chunks (another link's are ignored). A chunk that
    does not start where we stand is ignored (the sender is asked again from `have`). A completed
    file whose sha256 differs is discarded and pulled again from the start.
    """
    current = row(conn, sha)
    if current is None or current["complete"] or (source is not None and current["source"] != source):
        return current["have"] if current else 0
    if offset != current["have"]:
        return current["have"]
    if current["size"] and total != current["size"]:  # the material entry said how big it is
        raise ValidationError(f"blob {sha[:12]}… is {current['size']} bytes by its application, not {total}")
    partial = partial_of(data_dir, sha)
    _fsync_write(partial, data, offset)
    have = offset + len(data)
    if have >= total:
        with open(partial, "rb") as f:  # read a piece at a time: a blob may be tens of MB
            digest = hashlib.file_digest(f, "sha256").hexdigest()
        if digest != sha:
            partial.unlink()
            conn.execute("UPDATE blobs SET have = 0 WHERE sha256 = ?", (sha,))
            raise ValidationError(f"blob {sha[:12]}… failed verification; pulling it again")
        target = path_of(data_dir, sha)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(partial, target)
        fsync_dir(target.parent)  # before the row says complete
        conn.execute("UPDATE blobs SET have = ?, size = ?, complete = 1 WHERE sha256 = ?", (total, total, sha))
        return total
    conn.execute("UPDATE blobs SET have = ?, size = CASE WHEN size = 0 THEN ? ELSE size END WHERE sha256 = ?",
                 (have, total, sha))
    return have


def resume_offset(conn: sqlite3.Connection, data_dir: str | os.PathLike[str], sha: str) -> int:
    """Where to resume pulling SHA: the bytes durably held in the partial file (trusting the file over the row)."""
    current = row(conn, sha)
    if current is None:
        return 0
    partial = partial_of(data_dir, sha)
    on_disk = partial.stat().st_size if partial.exists() else 0
    have = min(current["have"], on_disk)
    if have != current["have"]:
        conn.execute("UPDATE blobs SET have = ? WHERE sha256 = ?", (have, sha))
    return have


def is_complete(conn: sqlite3.Connection, sha: str) -> bool:
    """True when blob SHA is held whole and verified."""
    r = row(conn, sha)
    return bool(r and r["complete"])
