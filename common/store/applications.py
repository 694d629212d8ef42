"""SQL for applications: the append-only events table and the projected applications table.

Every write stores the event and the new projection in one transaction, so a reader never sees
one without the other. Local events are checked strictly; events from other nodes are ingested
idempotently (the UNIQUE id decides, never a check-then-insert) and replayed in HLC order.
Rows are buffered per transaction and written together before it commits (local events, whose
fresh UUIDv7 ids cannot clash, and optimistic sync batches); read the events table through
`events()`, which writes the buffer first.
"""
import bisect
import json
import sqlite3
from collections.abc import Iterable
from datetime import date
from typing import Any

from .. import signing
from ..domain import application as model, payloads
from ..domain import submission
from ..domain.record import Doc, Event
from ..errors import Conflict, NotFound
from ..hlc import Clock
from ..jsontext import dumps
from ..ids import new_tracking_code, parse_tracking_code, uuid7
from ..workcal import WorkCalendar
from . import audit, facts, item_snapshots, outbox
from . import calendar as cal_store
from . import catalog as cal_catalog
from .db import before_commit, transaction, tx_cache, tx_now

COLUMNS = ("id", "tracking_code", "item_code", "origin", "custody", "state", "applicant_name",
           "applicant_id_number", "applicant_phone", "proxy_by", "submitted_at", "accepted_on", "due_on",
           "due_provisional", "last_hlc", "doc")


def _event_row(conn: sqlite3.Connection, row: sqlite3.Row, with_sig: bool = False) -> Event:
    event = {"id": row["id"], "app_id": row["app_id"], "origin": row["origin"], "hlc": row["hlc"],
             "actor": row["actor"], "type": row["type"],
             "payload": item_snapshots.payload_of(conn, row["type"], row["payload"])}
    if with_sig and row["sig"]:
        event["sig"] = row["sig"]
    return event


def events(conn: sqlite3.Connection, app_id: str) -> list[Event]:
    """Every event of APP_ID in HLC order."""
    flush_events(conn)
    return [_event_row(conn, r) for r in conn.execute("SELECT * FROM events WHERE app_id = ? ORDER BY hlc, id",
                                                      (app_id,))]


def _history(conn: sqlite3.Connection, app_id: str) -> tuple[Event, ...]:
    """The events of APP_ID in HLC order, read once per write transaction and kept up to date by
    `_insert_event`: a batch of late events then replays from memory, not from the table each time."""
    cache = tx_cache(conn)
    found = cache.get("history", {}).get(app_id)
    if found is None:
        found = tuple(events(conn, app_id))
        if conn.in_transaction:  # a tuple, replaced on change: a savepoint's copy of the dict stays true
            cache.setdefault("history", {})[app_id] = found
    return found


def _remember(conn: sqlite3.Connection, row: tuple[Any, ...]) -> None:
    # ROW as `events()` would read it back, into a history already read in this transaction.
    history = tx_cache(conn).get("history")
    if history is None or row[1] not in history:
        return
    event = {"id": row[0], "app_id": row[1], "origin": row[2], "hlc": row[3], "actor": row[4], "type": row[5],
             "payload": item_snapshots.payload_of(conn, row[5], row[6])}
    known = history[row[1]]
    at = bisect.bisect(known, (event["hlc"], event["id"]), key=lambda e: (e["hlc"], e["id"]))
    history[row[1]] = known[:at] + (event,) + known[at:]


def _docs(cache: dict[str, Any]) -> dict[str, Doc | None]:
    """The transaction's projection cache {app_id: doc or None}, with its set of ids to write."""
    if "docs" not in cache:
        cache["docs"], cache["dirty"] = {}, set()
    return cache["docs"]


def _load(conn: sqlite3.Connection, app_id: str) -> Doc | None:
    cache = tx_cache(conn)
    docs = cache.get("docs")
    if docs is not None and app_id in docs:
        return docs[app_id]
    row = conn.execute("SELECT doc FROM applications WHERE id = ?", (app_id,)).fetchone()
    doc = item_snapshots.doc_of(conn, row["doc"]) if row else None
    if conn.in_transaction:  # remembered (misses too) until the transaction ends
        _docs(cache)[app_id] = doc
    return doc


def with_deadline(conn: sqlite3.Connection, doc: Doc, cal: WorkCalendar | None = None) -> Doc:
    """DOC with `due_on`, `due_provisional` and `paused_days` from the node's calendar."""
    doc = dict(doc)
    if doc.get("accepted_on") and doc["state"] not in ("not_accepted", "withdrawn"):
        cal = cal or cal_store.load_cached(conn)
        pauses = [(date.fromisoformat(a), date.fromisoformat(b) if b else None) for a, b in doc["pauses"]]
        d = cal.deadline(date.fromisoformat(doc["accepted_on"]), doc["limit_days"], pauses)
        doc.update(due_on=d.due.isoformat() if d.due else None, due_provisional=d.provisional,
                   paused_days=d.paused_days)
    else:
        doc.update(due_on=None, due_provisional=False, paused_days=0)
    return doc


def _save(conn: sqlite3.Connection, doc: Doc) -> Doc:
    """Record DOC as the application's projection; written once per transaction, at commit."""
    cache = tx_cache(conn)
    _docs(cache)[doc["id"]] = doc
    cache["dirty"].add(doc["id"])  # a savepoint snapshot copies the set, so it may be mutated
    before_commit(conn, "applications", _flush)
    return doc


def _flush(conn: sqlite3.Connection) -> None:
    cache = tx_cache(conn)
    docs, dirty = cache.get("docs") or {}, cache.get("dirty") or set()
    cal = cal_store.load_cached(conn) if any(docs[i] and docs[i].get("accepted_on") for i in dirty) else None
    written = [with_deadline(conn, docs[app_id], cal) for app_id in dirty]
    if written:
        conn.executemany(UPSERT, [_row(conn, doc) for doc in written])
        facts.save(conn, written, cal)  # the figures' rows, in the same transaction as the projection
    cache["dirty"] = set()


def refresh_for_calendar(conn: sqlite3.Connection, first: date, last: date, batch: int = 500) -> int:
    """Write again the projections (deadlines) and facts a calendar change between FIRST and LAST can move.

    A holiday added or a year published moves the deadline of applications accepted by then and
    not decided before, and the working days a decided one took; nothing else is touched.
    Returns how many were written.
    """
    ids = facts.affected_by(conn, first, last)
    for k in range(0, len(ids), batch):
        with transaction(conn):
            prefetch(conn, ids[k:k + batch])
            for app_id in ids[k:k + batch]:
                doc = _load(conn, app_id)
                if doc is not None:
                    _save(conn, doc)
    return len(ids)


UPSERT = (f"INSERT INTO applications ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"
          f" ON CONFLICT(id) DO UPDATE SET {', '.join(f'{c} = excluded.{c}' for c in COLUMNS[1:])}")


def _row(conn: sqlite3.Connection, doc: Doc) -> tuple[Any, ...]:
    a = doc["applicant"]
    return (doc["id"], doc["tracking_code"], doc["item"]["code"], doc["origin"], doc["custody"], doc["state"],
            a["name"], a["id_number"], a.get("phone", ""), doc["proxy_by"], doc["submitted_on"],
            doc["accepted_on"], doc["due_on"], int(doc["due_provisional"]), doc["last_hlc"], dumps(item_snapshots.stored(conn, doc)))


def prefetch(conn: sqlite3.Connection, app_ids: Iterable[object]) -> None:
    """Load the projections of APP_IDS into the transaction's cache with one query per 500 ids."""
    if not conn.in_transaction:
        return
    docs = _docs(tx_cache(conn))
    wanted = [i for i in dict.fromkeys(app_ids) if isinstance(i, str) and i not in docs]
    for k in range(0, len(wanted), 500):
        chunk = wanted[k:k + 500]
        found = dict(conn.execute(f"SELECT id, doc FROM applications WHERE id IN ({', '.join('?' * len(chunk))})",
                                  chunk).fetchall())
        for app_id in chunk:
            docs[app_id] = item_snapshots.doc_of(conn, found[app_id]) if app_id in found else None


INSERT_EVENT = ("INSERT INTO events (id, app_id, origin, hlc, actor, type, payload, stored_at, sig)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")


def _insert_event(conn: sqlite3.Connection, event: Event, defer: bool = False) -> None:
    row = (event["id"], event["app_id"], event["origin"], event["hlc"], event["actor"], event["type"],
           dumps(item_snapshots.stored_payload(conn, event["type"], event["payload"])), tx_now(conn), event.get("sig"))
    shas = material_shas(event)
    if shas:
        conn.executemany("INSERT OR IGNORE INTO blob_refs (sha256, app_id) VALUES (?, ?)",
                         [(sha, event["app_id"]) for sha in shas])
    if defer and conn.in_transaction:
        tx_cache(conn).setdefault("event_rows", []).append(row)
        before_commit(conn, "events", flush_events)
    else:
        conn.execute(INSERT_EVENT, row)  # a clash raises here, before the history learns of it
    _remember(conn, row)


def material_shas(event: Event) -> list[str]:
    """The sha256s of the materials EVENT attaches (a submission or a supplement)."""
    if event["type"] not in ("submitted", "supplement_provided"):
        return []
    found = event["payload"].get("materials")
    if not isinstance(found, list):
        return []
    shas = [m["sha256"] for m in found if isinstance(m, dict) and isinstance(m.get("sha256"), str)
            and len(m["sha256"]) == 64]
    # Full copies too: a reviewer may ask for one, and it is served only as one of an application's.
    return shas + [m["full"]["sha256"] for m in found if isinstance(m, dict) and isinstance(m.get("full"), dict)
                   and isinstance(m["full"].get("sha256"), str) and len(m["full"]["sha256"]) == 64]


def flush_events(conn: sqlite3.Connection) -> None:
    """Write deferred event rows (before commit, or before the events table is read in a transaction).

    A clash with a stored id raises IntegrityError here, failing the whole transaction: deferring
    is only for callers that then redo their work without it.
    """
    cache = tx_cache(conn)
    rows = cache.get("event_rows")
    if rows:
        cache["event_rows"] = []
        conn.executemany(INSERT_EVENT, rows)


def submit(conn: sqlite3.Connection, clock: Clock, node: str, actor: str, item: dict[str, Any],
           applicant: dict[str, Any], form: dict[str, Any], materials: Iterable[dict[str, Any]] = (),
           proxy_by: str = "", catalog_version: int | None = None, today: date | None = None) -> Doc:
    """Create an application at NODE: validate, then store its `submitted` event. Returns the doc.

    This is where the applicant and form are checked, once, for every way in (the kiosk, the
    township window, the JSON API): TODAY is the node's business day, which eligibility and dates
    are judged on (default: China's date today). ITEM is of CATALOG_VERSION (default: the node's
    current catalog), named in the snapshot so that the parent can check it against its own copy.
    Callers write what they add (photos, a draft's removal) in the same transaction, after this.
    """
    if catalog_version is None:
        catalog_version = cal_catalog.current_version(conn)
    clean_applicant, clean_form = submission.check(item, applicant, form, today=today)
    snapshot = submission.snapshot(item, catalog_version)
    payload = {"tracking_code": new_tracking_code(), "item": snapshot, "applicant": clean_applicant,
               "form": clean_form, "materials": list(materials), "proxy_by": proxy_by}
    event = {"id": uuid7(), "app_id": uuid7(), "origin": node, "hlc": clock.now(), "actor": actor,
             "type": "submitted", "payload": payload}
    with transaction(conn):
        event = signing.sign(conn, event)
        _insert_event(conn, event, defer=True)
        doc = _save(conn, model.apply(None, event))
        outbox.route(conn, node, "event", event["id"], doc["origin"], event)
        audit.record(conn, actor, "application.submitted", doc["id"], {"item": item["code"], "proxy_by": proxy_by})
    return with_deadline(conn, doc)


def append(conn: sqlite3.Connection, clock: Clock, node: str, app_id: str, kind: str, actor: str,
           payload: dict[str, Any] | None = None, audited: bool = True) -> Doc:
    """Append a local event of KIND to APP_ID, checked strictly (state and custody). Returns the doc.

    Not AUDITED: the caller writes one audit record for many (custody taken for a sync batch).
    """
    with transaction(conn):
        doc = _load(conn, app_id)
        if doc is None:
            raise NotFound(f"没有编号为 {app_id} 的办件 / no such application")
        payload = dict(payload or {})
        if kind in model.DATED:  # the legal day, from this node's own business clock (not the HLC)
            payload["on"] = model.day_of_ms(clock.wall_ms())
        event = {"id": uuid7(), "app_id": app_id, "origin": node, "hlc": clock.now(), "actor": actor,
                 "type": kind, "payload": payload}
        doc = model.apply(doc, event, strict=True)
        event = signing.sign(conn, event)
        _insert_event(conn, event, defer=True)
        doc = _save(conn, doc)
        outbox.route(conn, node, "event", event["id"], doc["origin"], event)
        if audited:
            audit.record(conn, actor, f"application.{kind}", app_id, event["payload"])
    return with_deadline(conn, doc)


def ingest(conn: sqlite3.Connection, event: Event, clock: Clock | None = None, me: str | None = None,
           source: str | None = None, trusted: bool = False, route: bool = True, packed: bytes | None = None,
           defer: bool = False) -> str:
    """Store an event from another node; 'stored' or 'duplicate'. Same id, other content: Conflict.

    Custody is checked against the history; a late event (older HLC than the projection) makes
    the projection replay from all events. With ME (this node's code) and ROUTE a stored event
    is routed on (PACKED: its msgpack body, if at hand), never back to SOURCE (the link it came
    from), in the same transaction. TRUSTED (events from the parent) notes a custody violation
    instead of refusing the event. DEFER writes the event row at commit (see `flush_events`):
    a duplicate then fails the transaction instead of returning 'duplicate'.
    """
    if not trusted and event["type"] in model.COMMUTATIVE:
        payloads.check_from_child(event)
    with transaction(conn):
        try:
            _insert_event(conn, event, defer)
        except sqlite3.IntegrityError:
            row = conn.execute("SELECT * FROM events WHERE id = ?", (event["id"],)).fetchone()
            if row is not None and _event_row(conn, row) == _canonical(event):
                return "duplicate"
            raise Conflict(f"事件 {event['id']} 已存在但内容不同 / event id reused with different content",
                           fix="quarantine and report; never overwrite") from None
        if not trusted:
            _count_from_child(conn, event["app_id"])
        doc = _load(conn, event["app_id"])
        if doc is None or event["hlc"] >= doc["last_hlc"] or event["type"] in model.ORDER_FREE:
            doc = model.apply(doc, event, strict=False, custody=not trusted)
        else:
            replays = tx_cache(conn).setdefault("replays", {})
            replays[event["app_id"]] = replays.get(event["app_id"], 0) + 1
            if not trusted and replays[event["app_id"]] > MAX_REPLAYS:
                raise Conflict(f"一批中同一办件的迟到事件超过 {MAX_REPLAYS} 条 / too many late events for one application "
                               f"in one batch", fix="send them in later batches")
            doc = model.project(_history(conn, event["app_id"]), check_id=None if trusted else event["id"])
        if doc is not None:
            _save(conn, doc)
        if me and route:
            outbox.route(conn, me, "event", event["id"], doc["origin"] if doc else event["origin"], event, source,
                         packed)
        if clock is not None:  # only what was stored moves the clock (a refused event must not)
            clock.observe(event["hlc"])
    return "stored"


MAX_APP_EVENTS = 2000  # events an application may gather from children (an honest one has well under 100)
MAX_REPLAYS = 50       # late events of one application in one batch, each replaying its history


def _count_from_child(conn: sqlite3.Connection, app_id: str) -> None:
    counts = tx_cache(conn).setdefault("app_events", {})
    if app_id not in counts:
        counts[app_id] = conn.execute("SELECT COUNT(*) FROM events WHERE app_id = ?", (app_id,)).fetchone()[0]
    counts[app_id] += 1
    if counts[app_id] > MAX_APP_EVENTS:
        raise Conflict(f"办件事件已达上限 {MAX_APP_EVENTS} 条 / this application has too many events",
                       fix="nothing more is taken for it from a child")


def _canonical(event: Event) -> Event:
    return json.loads(json.dumps({k: event[k] for k in ("id", "app_id", "origin", "hlc", "actor", "type", "payload")}))


def origin_of(conn: sqlite3.Connection, app_id: str) -> str | None:
    """The node code where APP_ID was born, or None when this node does not hold it."""
    doc = _load(conn, app_id)
    return doc["origin"] if doc else None


def get(conn: sqlite3.Connection, app_id: str) -> Doc:
    """The current doc of APP_ID (with its deadline), or NotFound."""
    doc = _load(conn, app_id)
    if doc is None:
        raise NotFound(f"没有编号为 {app_id} 的办件 / no such application")
    return with_deadline(conn, doc)


def by_tracking_code(conn: sqlite3.Connection, code: str) -> list[Doc]:
    """Applications with tracking CODE (normally one; codes are random, so collisions are possible)."""
    code = parse_tracking_code(code)
    return [item_snapshots.doc_of(conn, r["doc"]) for r in conn.execute("SELECT doc FROM applications WHERE tracking_code = ?",
                                                        (code,))]


def find(conn: sqlite3.Connection, text: str | None, limit: int = 50) -> list[Doc]:
    """Projections a staff member looks for by TEXT: a tracking code, or an applicant's ID number (18
    characters), newest first; [] for anything else (ValidationError when it is neither)."""
    text = str(text or "").strip().upper()
    if len(text) == 18 and text[:17].isdigit():
        rows = conn.execute("SELECT doc FROM applications WHERE applicant_id_number = ? ORDER BY last_hlc DESC"
                            " LIMIT ?", (text, limit))
        return [item_snapshots.doc_of(conn, r["doc"]) for r in rows]
    return by_tracking_code(conn, text)
