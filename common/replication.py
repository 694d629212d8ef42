"""What replicated messages mean to a node: the application side of the sync link.

`sync/` moves opaque messages (kind, id, subject, body) and calls a Replicator to apply them.
Applying happens inside the link's batch transaction, so everything done here — storing the event,
taking custody, relaying onwards — commits before the batch is acknowledged.
"""
import logging

from .domain.nodes import in_subtree, parent_of, tier_of
from .domain.states import AWAITING_PARENT
from .errors import NotFound, ValidationError
from . import hlc, notices, signing
from .domain import application as model, notices as notice_model, submission
from .store import applications, audit, calendar as cal_store, catalog as catalog_store, item_snapshots, node_keys, outbox
from .store import notices as notice_store
from .store.db import savepoint, transaction

log = logging.getLogger("sanji.replication")
SYSTEM = "system"
BROADCAST_KINDS = ("catalog", "calendar")
CHILD_AHEAD_MS = 10 * 60 * 1000  # a child's event dated further ahead than this is held until then, its clock not followed
CHILD_HOLD_MS = 2 * 24 * 3600 * 1000  # and one dated further ahead than this is refused (that clock is simply wrong)


class NotYet(Exception):
    """An event that cannot apply yet (its application has not arrived): held, and applied when it does."""

    refusal = None

    def __init__(self, app_id, not_before=0):
        if not_before:
            super().__init__("事件时间超前本节点时钟，暂存至其时间 / dated ahead of this node's clock; held until then")
        else:
            super().__init__(f"办件 {app_id[:40]} 尚未到达，事件暂存 / the application has not arrived yet; held")
        self.app_id, self.not_before = app_id, not_before


class Replicator:
    """Applies messages arriving on this node's links; exports what to re-offer after a restore."""

    def __init__(self, me, clock):
        self.me, self.clock = me, clock

    def apply(self, conn, kind, msg_id, subject, body, source, batch=None, packed=None):
        """Apply one message from link SOURCE; returns sha256s of blobs it refers to (to be pulled).

        BATCH (a dict kept for one incoming batch) collects work for `finish_batch`; its key
        "optimistic" lets event rows be written at commit in one statement (a clash then fails
        the whole batch, which the link redoes message by message). PACKED is BODY as it came
        on the wire, relayed as is.
        """
        if kind == "event":
            if batch is None:  # a lone message is its own batch: it must still be routed on and taken
                batch = {}
                wanted = self._event(conn, body, source, batch, packed)
                self.finish_batch(conn, batch)
                return wanted
            return self._event(conn, body, source, batch, packed)
        if kind == "catalog":
            version = int(body["version"])
            if version > catalog_store.current_version(conn):
                catalog_store.import_catalog(conn, body["doc"], f"from {source}", version=version)
                outbox.route(conn, self.me, kind, msg_id, subject, body, source)
            return []
        if kind == "calendar":
            if cal_store.replace(conn, body):
                outbox.route(conn, self.me, kind, msg_id, subject, body, source)
            return []
        if kind == "node_key":
            self._node_key(conn, body, source)
            return []
        if kind == "notice":
            if source != outbox.UP:
                raise ValidationError("notices come only from the parent")
            notice_model.check_wire(body, self.me)
            stored = notice_store.upsert(conn, body)
            notice_store.note_parent_seq(conn, body["seq"])
            if stored:  # relayed with our own numbering, so our children can ask for what they lack
                notices.send_down(conn, self.me, stored, source)
            return []
        raise ValidationError(f"unknown message kind {kind!r}")

    def prepare(self, conn, messages):
        """Before a batch of (kind, body) MESSAGES is applied: load the projections it touches at once."""
        applications.prefetch(conn, [b.get("app_id") for k, b in messages if k == "event" and isinstance(b, dict)])

    def _event(self, conn, event, source, batch, packed=None):
        _check_event_shape(event)
        trusted = source == outbox.UP
        ahead = hlc.parse(event["hlc"]).ms - self.clock.wall_ms()
        if not trusted and ahead > CHILD_HOLD_MS:
            raise ValidationError(f"事件时间比本节点时钟超前 {CHILD_HOLD_MS // 3600000} 小时以上 / the child's clock is "
                                  f"far ahead of this node's", fix="set the sending node's clock (NTP), then submit again")
        cache = batch.setdefault("signers", {})
        if trusted:
            signing.check(conn, event, cache, required=False)
        else:
            # Unsigned is taken only for the child's own subtree and from before we signed (an upgrade).
            legacy = in_subtree(event["origin"], source) and event["hlc"] < self._signing_since(conn, batch)
            signing.check(conn, event, cache, required=not legacy)
        if event["type"] == "submitted" and not trusted:
            # Every tier above the one that made it verifies a submission against its own catalog
            # before it stores it or follows its flow: a child cannot rewrite an item.
            submission.check_submitted(event["payload"], self._catalog_item(conn, event["payload"], batch),
                                       model.event_date(event["hlc"]))
        if not trusted and ahead > CHILD_AHEAD_MS:
            # A child's clock never moves ours (and with it the dates of our decisions): held until its time.
            raise NotYet(event["app_id"], not_before=hlc.parse(event["hlc"]).ms - CHILD_AHEAD_MS)
        if event["type"] != "submitted" and applications.origin_of(conn, event["app_id"]) is None:
            raise NotYet(event["app_id"])  # e.g. a callback booked offline overtaking its application
        handed_up = event["type"] in ("submitted", "escalated") and not trusted
        # An event about an application handed up earlier in this batch goes on with it, after it.
        follows = not trusted and event["app_id"] in batch.get("handed_up", {})
        # What a child hands up is routed on in finish_batch, each application's events followed
        # by our custody event, so the next hop gets them together in one batch.
        outcome = applications.ingest(conn, event, self.clock, self.me, source, trusted=trusted,
                                      route=not (handed_up or follows), packed=packed,
                                      defer=batch.get("optimistic", False))
        if outcome == "duplicate":
            return []
        if event["type"] == "submitted":
            batch.setdefault("arrived", []).append(event["app_id"])
        if handed_up or follows:
            batch.setdefault("handed_up", {}).setdefault(event["app_id"], []).append((event, packed))
            batch["source"] = source
        # (sha256, size) of each material: the blob is pulled, and a sender claiming another size is refused.
        return [(m["sha256"], m.get("size") if isinstance(m.get("size"), int) else 0)
                for m in event["payload"].get("materials", []) if isinstance(m, dict) and m.get("sha256")]

    def _signing_since(self, conn, batch):
        if "signing_since" not in batch:
            batch["signing_since"] = signing.signing_since(conn)
        return batch["signing_since"]

    def _node_key(self, conn, body, source):
        # A child vouches for the keys of its own subtree, the parent for those of our ancestors.
        code, key = body.get("code"), body.get("sign_key")
        if not (isinstance(code, str) and signing.is_key(key)):
            raise ValidationError("node_key needs code and sign_key (64 hex digits)")
        allowed = self.me.startswith(code) and tier_of(code) if source == outbox.UP else in_subtree(code, source)
        if not allowed:
            raise ValidationError(f"{source} cannot vouch for the key of {code[:20]}")
        if node_keys.add(conn, code, key, source) and source != outbox.UP and tier_of(self.me) != "county":
            outbox.enqueue(conn, outbox.UP, "node_key", node_key_id(code, key), code, body)

    def export_keys(self, conn, subtree=""):
        """`node_key` messages for the signing keys of SUBTREE (re-offered to a restored parent first)."""
        return [("node_key", node_key_id(code, key), code, {"code": code, "sign_key": key})
                for code, key in node_keys.in_subtree(conn, subtree)]

    def _catalog_item(self, conn, payload, batch):
        snap = payload.get("item")
        if not isinstance(snap, dict) or not isinstance(snap.get("code"), str) \
                or not isinstance(snap.get("version"), int) or isinstance(snap.get("version"), bool):
            return None
        key = (snap["code"], snap["version"])
        items = batch.setdefault("catalog_items", {})
        if key not in items:
            try:
                items[key] = catalog_store.item(conn, *key)
            except NotFound:
                items[key] = None
        return items[key]

    def finish_batch(self, conn, batch, safe=True):
        """End of an incoming batch (same transaction, before the ack): route on and take custody of what was handed up.

        Done once per batch rather than per event, so a re-offered batch that already holds our
        own custody event is not given a second one. Not SAFE (the optimistic pass) lets errors
        propagate so the batch is redone safely; SAFE logs them and never blocks the link.
        One audit record per batch names the applications taken into custody.
        """
        taken = {}
        source = batch.get("source")
        for app_id, handed in batch.get("handed_up", {}).items():
            origin = applications.origin_of(conn, app_id)
            for event, packed in handed:
                outbox.route(conn, self.me, "event", event["id"], origin or event["origin"], event, source, packed)
            if not safe:
                kind = self._take_custody(conn, applications.get(conn, app_id))
            else:
                try:
                    with savepoint(conn, "custody"):
                        kind = self._take_custody(conn, applications.get(conn, app_id))
                except Exception:  # staff can still receive it by hand
                    log.exception("could not take custody of %s", app_id)
                    kind = None
            if kind:
                taken.setdefault(kind, []).append(app_id)
        if taken:
            audit.record(conn, SYSTEM, "application.custody_taken", source or "",
                         {kind: ids for kind, ids in taken.items()})

    def _take_custody(self, conn, doc):
        # The parent holds custody of what its children hand up, before the batch is acknowledged.
        # A township passes a county item straight on: one `forwarded` takes custody and hands it up.
        if doc["state"] not in AWAITING_PARENT or parent_of(doc["custody"]) != self.me:
            return None
        passes_on = tier_of(self.me) == "township" and doc["item"]["decide_tier"] == "county"
        kind = "forwarded" if passes_on and doc["state"] == "submitted" else "received"
        applications.append(conn, self.clock, self.me, doc["id"], kind, SYSTEM, audited=False)
        return kind

    def origin_problem(self, conn, kind, body, child, restoring=False):
        """Why CHILD may not send this upward (None when it may).

        A child speaks for its subtree only: the event's origin and its application's origin must
        lie below it. While a restore window is open it may also re-offer events that came from
        this node or above (they were ours before the restore).
        """
        if kind == "node_key":
            return None  # checked where it is applied: only keys of the child's own subtree
        if kind != "event":
            return f"{child} cannot send {kind} upward"
        origin = body.get("origin", "") if isinstance(body, dict) else ""
        if in_subtree(origin, child):
            app_origin = applications.origin_of(conn, body.get("app_id"))
            if app_origin is None or in_subtree(app_origin, child):
                return None
            return f"{child} commented on an application of {app_origin}, outside its subtree"
        if restoring and self.me.startswith(origin):
            return None
        return f"{child} claimed origin {origin!r}, outside its subtree"

    def broadcast_versions(self, conn):
        """{kind: version} of what this node holds of the broadcasts (notices: the parent's seq received)."""
        return {"catalog": catalog_store.current_version(conn), "calendar": cal_store.version(conn),
                "notices": notice_store.parent_seq(conn)}

    def broadcasts_newer(self, conn, have):
        """Broadcast messages a child reporting HAVE ({kind: version}) is missing."""
        out = []
        mine = self.broadcast_versions(conn)
        if mine["catalog"] and int(have.get("catalog", 0) or 0) < mine["catalog"]:
            out.append(("catalog", f"catalog-{mine['catalog']}", "",
                        {"version": mine["catalog"], "doc": catalog_store.export(conn)}))
        if mine["calendar"] and int(have.get("calendar", 0) or 0) < mine["calendar"]:
            out.append(("calendar", f"calendar-{mine['calendar']}", "", cal_store.snapshot(conn)))
        for n in notice_store.newer_than(conn, int(have.get("notices", 0) or 0)):
            out.append(("notice", f"notice-{n['id']}-v{n['version']}", "", n))
        return out

    def export_events(self, conn, subtree="", missing_on=None):
        """Every event this node holds about applications born in SUBTREE, in HLC order, as messages.

        MISSING_ON (a link name): only the events that link's outbox does not hold already.
        """
        sql = ("SELECT e.*, a.origin AS app_origin FROM events e JOIN applications a ON a.id = e.app_id"
               " WHERE a.origin LIKE ?")
        args = [subtree + "%"]
        if missing_on is not None:
            sql += " AND NOT EXISTS (SELECT 1 FROM sync_outbox o WHERE o.link = ? AND o.msg_id = e.id)"
            args.append(missing_on)
        rows = conn.execute(sql + " ORDER BY e.hlc, e.id", args)
        for r in rows:
            event = {"id": r["id"], "app_id": r["app_id"], "origin": r["origin"], "hlc": r["hlc"],
                     "actor": r["actor"], "type": r["type"], "payload": item_snapshots.payload_of(conn, r["type"], r["payload"])}
            if r["sig"]:
                event["sig"] = r["sig"]
            yield "event", r["id"], r["app_origin"], event


def publish(conn, me, kinds=BROADCAST_KINDS):
    """Send the current catalog and/or calendar down to every child now (in one transaction).

    Children that are offline get them at their next hello anyway; this saves the running ones
    from waiting for a reconnect. Returns the kinds queued.
    """
    queued = []
    with transaction(conn):
        versions = Replicator(me, None).broadcast_versions(conn)
        for kind, msg_id, subject, body in Replicator(me, None).broadcasts_newer(conn, {}):
            if kind in kinds and versions.get(kind):
                outbox.route(conn, me, kind, msg_id, subject, body)
                queued.append(kind)
    return queued


def node_key_id(code, key):
    """The message id of the `node_key` message for KEY of CODE."""
    return f"key-{code}-{key[:16]}"


def _check_event_shape(event):
    required = {"id": str, "app_id": str, "origin": str, "hlc": str, "actor": str, "type": str, "payload": dict}
    if not isinstance(event, dict):
        raise ValidationError("event body must be a map")
    bad = [k for k, t in required.items() if not isinstance(event.get(k), t)]
    if "sig" in event and not isinstance(event["sig"], str):
        bad.append("sig")
    if bad:
        raise ValidationError(f"event lacks or mistypes: {', '.join(bad)}")
    if max(len(event["id"]), len(event["app_id"]), len(event["actor"])) > 64:
        raise ValidationError("event id, app_id and actor are at most 64 characters")
    if hlc.parse(event["hlc"]).node != event["origin"] or not tier_of(event["origin"]):
        raise ValidationError("an event's HLC names its origin, a node code")
    problem = model.on_problem(event)
    if problem:
        raise ValidationError(problem)
