"""SQL for the item snapshots projections name: each distinct snapshot stored once, by its digest.

Every application carries the snapshot of its item as it was when it was submitted (name, flow,
materials, days: ~750 bytes, about 40 % of a projection), in its projection and in its `submitted`
event. Thousands of applications share one snapshot, so the projection row holds {code, department,
ref}, the event's payload {"ref"}, and the snapshot lives here once. Every item is replaced on the
way in and put back on the way out, whatever it holds, so what is read is exactly what was written.
Snapshots never change once written (content-addressed), so the process keeps the texts it read.
"""
import hashlib
import sqlite3
from collections import OrderedDict
from threading import Lock
from typing import Any

import orjson

from ..domain.record import Doc
from ..jsontext import loads
from .db import tx_cache

_KEPT = 4096  # snapshot texts kept by the process (a catalog has ~1,000 items × its versions)
_texts: OrderedDict[str, str] = OrderedDict()
_lock = Lock()


def _remember(ref: str, text: str) -> None:
    with _lock:
        _texts[ref] = text
        _texts.move_to_end(ref)
        while len(_texts) > _KEPT:
            _texts.popitem(last=False)


def _ref(conn: sqlite3.Connection, item: dict[str, Any]) -> str:
    text = orjson.dumps(item, option=orjson.OPT_SORT_KEYS).decode("utf-8")
    ref = hashlib.sha256(text.encode("utf-8")).hexdigest()
    written = tx_cache(conn).setdefault("item_snapshots", set())
    if ref not in written:
        conn.execute("INSERT OR IGNORE INTO item_snapshots (ref, snapshot) VALUES (?, ?)", (ref, text))
        written.add(ref)
        _remember(ref, text)
    return ref


def _item(conn: sqlite3.Connection, ref: str) -> dict[str, Any]:
    text = _texts.get(ref)
    if text is None:
        text = conn.execute("SELECT snapshot FROM item_snapshots WHERE ref = ?", (ref,)).fetchone()[0]
        _remember(ref, text)
    return loads(text)


def stored(conn: sqlite3.Connection, doc: Doc) -> Doc:
    """DOC as its projection row holds it: the item snapshot replaced by a reference (the snapshot
    written here in the same transaction, once). Call inside the transaction that writes the row."""
    item = doc["item"]
    return dict(doc, item={"code": item["code"], "department": item.get("department", ""), "ref": _ref(conn, item)})


def restored(conn: sqlite3.Connection, doc: Doc) -> Doc:
    """DOC (as read from its row) with its full item snapshot in place of the reference."""
    ref = doc["item"].get("ref") if isinstance(doc.get("item"), dict) else None
    if ref is None:
        return doc  # written before snapshots were stored apart (only inside migration 0024)
    doc["item"] = _item(conn, ref)
    return doc


def stored_payload(conn: sqlite3.Connection, kind: str, payload: Any) -> Any:
    """The payload of an event of KIND as its row holds it (a submission's item by reference)."""
    if kind == "submitted" and isinstance(payload, dict) and isinstance(payload.get("item"), dict):
        return dict(payload, item={"ref": _ref(conn, payload["item"])})
    return payload


def payload_of(conn: sqlite3.Connection, kind: str, text: str | bytes) -> Any:
    """The payload of an event of KIND stored as TEXT, whole."""
    payload = loads(text)
    if kind == "submitted" and isinstance(payload, dict) and isinstance(payload.get("item"), dict) \
            and "ref" in payload["item"]:
        payload["item"] = _item(conn, payload["item"]["ref"])
    return payload


def doc_of(conn: sqlite3.Connection, text: str | bytes) -> Doc:
    """The projection stored as TEXT, whole."""
    return restored(conn, loads(text))
