"""Sync frames: one msgpack map per ZeroMQ frame, validated field by field (docs/protocol.md).

`decode` never raises anything but `FrameError`, whatever bytes it is given, so a server can
answer garbage with an error code and carry on.
"""
import io
import threading
from collections.abc import Sequence
from typing import Any

import msgpack
import zstandard

from .limits import (KEY_LEN, MAX_BATCH_BODIES, MAX_BATCH_RAW, MAX_BLOB_SIZE, MAX_CHUNK, MAX_ENTRIES, MAX_FRAME,
                     MAX_KIND, MAX_LIVE, MAX_MSG_ID, MAX_SEQ, MAX_SUB, MAX_SUBJECT, MIN_CHUNK, PROTOCOL_VERSION,
                     SHA_LEN)

SUPPORTED = (PROTOCOL_VERSION,)
# Re-exported: callers read the bounds as wire.MAX_ENTRIES and the like (they are limits.py's).
__all__ = ["ERROR_CODES", "FrameError", "KEY_LEN", "MAX_BATCH_BODIES", "MAX_BATCH_RAW", "MAX_CHUNK", "MAX_ENTRIES",
           "MAX_FRAME", "MAX_LIVE", "MAX_SEQ", "MAX_SUB", "MIN_CHUNK", "OPTIONAL", "PROTOCOL_VERSION", "SCHEMAS",
           "SHA_LEN", "SUPPORTED", "decode", "encode", "error", "is_public_key", "pack_batch", "unpack_batch",
           "unpack_body"]

# No code for "I failed": a frame the receiver cannot process for a reason of its own (a locked
# database, a bug) goes unanswered, and the sender's go-back-N timeout sends it again.
ERROR_CODES = {
    "bad_frame": "the frame is not a valid sync frame",
    "version": "unsupported protocol version",
    "hello_required": "send hello first",
    "revoked": "this node's key has been revoked",
    "not_enrolled": "this node's key is not accepted (yet)",
    "too_big": "the frame or batch exceeds the limits",
    "quarantine_full": "too many of this link's messages are quarantined; nothing more is taken until the "
                       "receiver's administrator reviews them (sanji sync quarantine list)",
}

Z85 = frozenset("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#")

# A field is (type, bound): for ints the largest value, for str/bin the longest length, for
# floats the (low, high) range, for maps and lists the most entries. Every value a frame carries
# is bounded here, so nothing past `decode` can overflow a column or a buffer.
_INT, _STR, _BIN, _MAP, _NUM, _LIST = int, str, bytes, dict, (int, float), list
SEQ, CODE, EPOCH = (_INT, MAX_SEQ), (_STR, 32), (_STR, 64)
SCHEMAS: dict[str, dict[str, tuple[Any, Any]]] = {
    "hello": {"node": CODE, "epoch": EPOCH, "parent_epoch": EPOCH, "up_acked": SEQ, "up_last": SEQ,
              "down_recv": SEQ, "have": (_MAP, 16)},
    "welcome": {"node": CODE, "child": CODE, "epoch": EPOCH, "up_recv": SEQ, "down_last": SEQ,
                "hb": (_NUM, (0.05, 60.0))},
    "batch": {"first": SEQ, "last": SEQ, "n": (_INT, MAX_ENTRIES), "z": (_BIN, MAX_FRAME)},
    "ack": {"upto": SEQ},
    "ping": {"ts": (_NUM, (0.0, 1e11))},
    "blob_get": {"sha": (_STR, SHA_LEN), "offset": (_INT, MAX_BLOB_SIZE)},
    "blob_chunk": {"sha": (_STR, SHA_LEN), "offset": (_INT, MAX_BLOB_SIZE), "total": (_INT, MAX_BLOB_SIZE),
                   "data": (_BIN, MAX_CHUNK)},
    "blob_missing": {"sha": (_STR, SHA_LEN), "reason": (_STR, 200)},
    "live": {"to": CODE, "body": (_MAP, 64)},
    "error": {"code": (_STR, 32), "message": (_STR, 1000)},
}
# Optional fields, checked the same way when present.
OPTIONAL: dict[str, dict[str, tuple[Any, Any]]] = {
    "hello": {"next_key": (_STR, KEY_LEN), "sign_key": (_STR, 64), "hb_idle": (_NUM, (1.0, 60.0))},
    "welcome": {"next_key": (_STR, KEY_LEN), "sign_key": (_STR, 64), "keys": (_MAP, 4), "hb_idle": (_NUM, (1.0, 60.0)),
                "names": (_MAP, 4)},  # the parent's name and its ancestors' (县、乡镇), by code
    "ack": {"held": (_INT, MAX_ENTRIES), "refused": (_LIST, MAX_ENTRIES)},
    "blob_get": {"max": (_INT, MAX_CHUNK),  # the chunk size the asker wants (sized to the rate it measures)
                 "bq": (_LIST, 8)},          # [photos, bytes, …] the asker still wants from the holder
    "ping": {"q": SEQ, "sub": (_LIST, MAX_SUB), "bq": (_LIST, 8),  # bq: its first two entries (room to grow)
             "names": (_MAP, MAX_SUB)},  # when they changed: up, the sender's and its subtree's names; down, its ancestry's
}
# A batch entry: (seq, kind, msg_id, subject, body bytes).
Entry = tuple[int, str, str, str, bytes]
_local = threading.local()  # zstd contexts are not thread-safe; a township uses two link threads


def _zstd() -> tuple[zstandard.ZstdCompressor, zstandard.ZstdDecompressor]:
    if not hasattr(_local, "c"):
        _local.c, _local.d = zstandard.ZstdCompressor(level=3), zstandard.ZstdDecompressor()
    return _local.c, _local.d


class FrameError(Exception):
    """A frame that cannot be accepted; `code` is one of ERROR_CODES."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


def encode(kind: str, **fields: Any) -> bytes:
    """One frame of type KIND with FIELDS."""
    return msgpack.packb({"v": PROTOCOL_VERSION, "t": kind, **fields}, use_bin_type=True)


def decode(data: bytes | bytearray | memoryview) -> dict[str, Any]:
    """The validated map of a frame, or FrameError."""
    if not isinstance(data, (bytes, bytearray, memoryview)) or len(data) == 0:
        raise FrameError("bad_frame", "empty frame")
    if len(data) > MAX_FRAME:
        raise FrameError("too_big", f"frame of {len(data)} bytes exceeds {MAX_FRAME}")
    try:
        msg = msgpack.unpackb(bytes(data), raw=False, strict_map_key=True, max_bin_len=MAX_FRAME,
                              max_str_len=1024 * 1024, max_array_len=MAX_ENTRIES, max_map_len=1024)
    except Exception as exc:  # msgpack raises many types on garbage
        raise FrameError("bad_frame", f"not msgpack: {type(exc).__name__}") from None
    if not isinstance(msg, dict):
        raise FrameError("bad_frame", "a frame is a map")
    if msg.get("v") not in SUPPORTED:
        raise FrameError("version", f"protocol version {msg.get('v')!r} not supported; this node speaks {SUPPORTED}")
    kind: Any = msg.get("t")  # whatever the peer sent: SCHEMAS says whether it is a frame type
    if kind == "live" and len(data) > MAX_LIVE:
        raise FrameError("too_big", f"a live frame is at most {MAX_LIVE} bytes")
    schema = SCHEMAS.get(kind)
    if schema is None:
        raise FrameError("bad_frame", f"unknown frame type {kind!r}")
    for field, spec in schema.items():
        _check_field(kind, field, msg.get(field), spec)
    for field, spec in OPTIONAL.get(kind, {}).items():
        if field in msg:
            _check_field(kind, field, msg[field], spec)
    if kind == "hello":
        _check_have(msg["have"])
    if "next_key" in msg and not is_public_key(msg["next_key"]):
        raise FrameError("bad_frame", f"{kind}.next_key is not a z85 public key")
    if kind == "blob_chunk" and (msg["total"] == 0 or msg["offset"] + len(msg["data"]) > msg["total"]):
        raise FrameError("bad_frame", "blob_chunk runs past its total")
    if kind in ("blob_get", "blob_chunk", "blob_missing") and not _is_sha(msg["sha"]):
        raise FrameError("bad_frame", f"{kind}.sha is not a sha256 hex digest")
    if kind == "batch" and not (1 <= msg["first"] <= msg["last"] and msg["n"] == msg["last"] - msg["first"] + 1):
        raise FrameError("bad_frame", "batch first/last/n disagree")
    return msg


def _check_field(kind: Any, field: str, value: Any, spec: tuple[Any, Any]) -> None:
    typ, bound = spec
    if not isinstance(value, typ) or isinstance(value, bool):
        raise FrameError("bad_frame", f"{kind}.{field} missing or not {getattr(typ, '__name__', 'a number')}")
    if typ is _INT:
        if not 0 <= value <= bound:
            raise FrameError("bad_frame", f"{kind}.{field} is outside 0..{bound}")
    elif typ is _NUM:
        low, high = bound
        if not low <= value <= high:  # also refuses NaN and infinities
            raise FrameError("bad_frame", f"{kind}.{field} is outside {low}..{high}")
    elif len(value) > bound:
        raise FrameError("bad_frame", f"{kind}.{field} is longer than {bound}")


def _check_have(have: dict[Any, Any]) -> None:
    for key, value in have.items():
        if not (isinstance(key, str) and len(key) <= 32 and isinstance(value, int) and not isinstance(value, bool)
                and 0 <= value <= MAX_SEQ):
            raise FrameError("bad_frame", "hello.have maps names to versions 0..MAX_SEQ")


def is_public_key(text: object) -> bool:
    """True when TEXT has the form of a z85 CurveZMQ public key (40 characters of the z85 alphabet)."""
    return isinstance(text, str) and len(text) == KEY_LEN and all(c in Z85 for c in text)


def _is_sha(text: str) -> bool:
    return len(text) == SHA_LEN and all(c in "0123456789abcdef" for c in text)


def pack_batch(entries: Sequence[Entry]) -> bytes:
    """A batch frame from ENTRIES [(seq, kind, msg_id, subject, body_bytes)], seqs contiguous."""
    raw = msgpack.packb([list(e) for e in entries], use_bin_type=True)
    return encode("batch", first=entries[0][0], last=entries[-1][0], n=len(entries), z=_zstd()[0].compress(raw))


def unpack_batch(msg: dict[str, Any]) -> list[Entry]:
    """The entries of a decoded batch frame, validated; FrameError when inconsistent."""
    try:
        # The size a frame declares is what zstd allocates: refuse it before, never after.
        declared = zstandard.frame_content_size(msg["z"])
        if declared > MAX_BATCH_RAW:
            raise FrameError("too_big", f"batch declares {declared} bytes once decompressed (at most {MAX_BATCH_RAW})")
        if declared >= 0:
            raw = _zstd()[1].decompress(msg["z"])
        else:  # no size declared: read at most the limit, a piece at a time
            raw = _zstd()[1].stream_reader(io.BytesIO(msg["z"])).read(MAX_BATCH_RAW + 1)
    except zstandard.ZstdError as exc:
        raise FrameError("bad_frame", f"batch does not decompress: {exc}") from None
    if len(raw) > MAX_BATCH_RAW:
        raise FrameError("too_big", "batch too large once decompressed")
    try:
        entries = msgpack.unpackb(raw, raw=False, strict_map_key=True, max_array_len=MAX_ENTRIES)
    except Exception as exc:
        raise FrameError("bad_frame", f"batch body is not msgpack: {type(exc).__name__}") from None
    if not isinstance(entries, list) or len(entries) != msg["n"]:
        raise FrameError("bad_frame", "batch entry count differs from n")
    out = []
    for i, e in enumerate(entries):
        ok = (isinstance(e, list) and len(e) == 5 and isinstance(e[0], int) and e[0] == msg["first"] + i
              and isinstance(e[1], str) and len(e[1]) <= MAX_KIND and isinstance(e[2], str)
              and len(e[2]) <= MAX_MSG_ID and isinstance(e[3], str) and len(e[3]) <= MAX_SUBJECT and isinstance(e[4], bytes))
        if not ok:
            raise FrameError("bad_frame", f"batch entry {i} malformed or out of sequence")
        out.append(tuple(e))
    if len(out) > 1 and sum(len(e[4]) for e in out) > MAX_BATCH_BODIES:
        raise FrameError("too_big", f"a batch of several entries carries more than {MAX_BATCH_BODIES} bytes of bodies")
    return out


def unpack_body(body: bytes) -> dict[str, Any]:
    """The body map of an entry; FrameError-free callers get ValueError on garbage."""
    value = msgpack.unpackb(body, raw=False, strict_map_key=False)
    if not isinstance(value, dict):
        raise ValueError("message body is not a map")
    return value


def error(code: str, message: str | None = None) -> bytes:
    """An error frame."""
    return encode("error", code=code, message=message or ERROR_CODES.get(code, code))
