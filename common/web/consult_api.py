"""Live consult calls every node serves: presence, long-poll, ask, act, signal, and the fallback booking.

A browser never talks to the hub: it talks to its own node, which passes messages on as live
frames (common/live.py) — to the county hub (`hub_of`) for everything about a consult, which
answers into this node's mailboxes. The kiosk's mailbox and consult are remembered in its
session; a staff console's mailbox is named by its user. When no link leads to the hub, asking
answers `unreachable` and the kiosk offers a callback or an appointment, which is an ordinary
event (`callback_booked`) and syncs up like any other.
"""
import json
import secrets

from flask import Blueprint, current_app, g, jsonify, render_template, request, session

from .. import config as config_mod
from ..domain.consults import STAFF_STATUSES, hub_of, serves_of, target_of
from ..errors import Conflict, NotFound, ValidationError
from ..live import live_for
from ..node import open_db, shared_clock
from ..roles import CONSULTERS, TOWNSHIP_CASEWORKERS
from ..domain.nodes import ancestor_of, tier_of
from ..store import applications, outbox, sync_status
from ..store.db import transaction
from .access import public, roles
from .context import get_db
from .json_body import json_object
from .openapi import api

ACTIONS = ("accept", "decline", "connected", "hangup", "wrapped", "cancel")
SIGNALS = ("offer", "answer", "ice", "bye")
BOOKINGS = ("callback", "appointment")
MAX_SIGNAL = 16_000  # an SDP is a few kB; more is not signalling


def _cfg():
    return current_app.config["SANJI"]


def _live():
    return live_for(_cfg())


def _staff_key():
    return f"{_cfg()['code']}/{g.user['username']}"


def _is_console():
    return bool(g.get("user")) and any(r in CONSULTERS for r, _ in g.user["roles"])


def _me(sid=None):
    """(who, pid) of the caller: the asking side of its own consult SID ("kiosk" to the hub), else a
    signed-in console (its staff key), else the kiosk session that asked for a consult."""
    mine = session.get("consult") or {}
    if sid and mine.get("sid") == sid:
        return "kiosk", mine["pid"]
    if _is_console():
        return _staff_key(), f"staff:{_staff_key()}"
    if mine:
        return "kiosk", mine["pid"]
    raise NotFound("这里没有进行中的视频咨询 / no consult here", fix="ask for one from the application's page")


def _body(*required):
    body = json_object()
    missing = [k for k in required if body.get(k) in (None, "")]
    if missing:
        raise ValidationError(f"缺少 {', '.join(missing)} / missing {', '.join(missing)}")
    return body


def viewed_application():
    """The application the kiosk session is looking at (its status page, or the one just submitted)."""
    app_id = session.get("viewing") or session.get("done")
    if not app_id:
        raise NotFound("请先查询您的申请 / look up your application first", fix="open 查进度 and enter the code")
    return applications.get(get_db(), app_id)


# The `consults` blueprint under /api/v1 (every tier).
bp = Blueprint("consults", __name__, url_prefix="/api/v1")


@bp.post("/live/presence")
@roles(*CONSULTERS)
@api("A staff console's heartbeat (every ~15 s): available or paused for live consults", tag="consults",
     request_body={"type": "object", "required": ["status"],
                   "properties": {"status": {"type": "string", "enum": list(STAFF_STATUSES)}}})
def presence():
    """Tell the hub this console is here; JSON {hub: reachable}."""
    status = _body("status")["status"]
    if status not in STAFF_STATUSES:
        raise ValidationError(f"status 须是 {' / '.join(STAFF_STATUSES)}", fields={"status": "available or paused"})
    cfg = _cfg()
    live_for(cfg).mailboxes.open(f"staff:{_staff_key()}")
    ok = _live().send(hub_of(cfg["code"]), {
        "kind": "presence", "key": _staff_key(), "name": g.user["display_name"], "status": status,
        "serves": sorted(serves_of(cfg["code"], g.user["roles"]))})
    return jsonify({"hub": ok, "status": status})


@bp.get("/live/poll")
@public
@api("Long-poll this browser's consult mailbox: messages numbered after `after` (waits up to 25 s)",
     tag="consults", query={"after": "the last message number seen (0 at first)", "wait": "seconds, 0–25"})
def poll():
    """JSON {messages, retry_ms}: retry_ms > 0 when too many polls were waiting (poll again after it)."""
    _who, pid = _me()
    try:
        after, wait = int(request.args.get("after", 0)), float(request.args.get("wait", 25))
    except ValueError:
        raise ValidationError("after 和 wait 须是数字 / after and wait must be numbers") from None
    messages, waited = _live().mailboxes.wait(pid, after, wait)
    return jsonify({"messages": messages, "retry_ms": 0 if waited else 1000})


@bp.post("/consults")
@public
@api("Ask for a live consult: a kiosk about the application it is viewing; a township window about "
     "{app_id}, handed to the county", tag="consults",
     request_body={"type": "object", "properties": {"app_id": {"type": "string"}}})
def ask():
    """JSON {sid, state, offers, link}: `requested`, or `unreachable` (no link to the hub: offer a booking instead)."""
    cfg = _cfg()
    body = json_object(fix='send {} from a kiosk, or {"app_id": "…"} from a window', absent_ok=True)
    if _is_console() and body.get("app_id"):
        doc = applications.get(get_db(), str(body["app_id"]))
        # A window hands a hard case up: the item's department for county items, else the reviewers.
        target = target_of(doc["item"], "") if doc["item"].get("decide_tier") == "county" else "dept:*"
        pid = f"staff:{_staff_key()}"
    else:
        doc = viewed_application()
        target = target_of(doc["item"], ancestor_of(cfg["code"], "township"))
        pid = (session.get("consult") or {}).get("pid") or "kiosk:" + secrets.token_urlsafe(16)
    sid = secrets.token_urlsafe(12)
    session["consult"] = {"sid": sid, "pid": pid, "app_id": doc["id"]}
    _live().mailboxes.open(pid)
    ok = _live().send(hub_of(cfg["code"]), {
        "kind": "consult.request", "sid": sid, "pid": pid, "app_id": doc["id"], "item": doc["item"]["code"],
        "target": target})
    # "link": whether this node's own line up is connected, so the screen says the network is
    # down only when it is (and otherwise that the county cannot be reached from the township).
    up = "" if tier_of(cfg["code"]) == "county" else sync_status.link_state(get_db(), outbox.UP)
    return jsonify({"sid": sid, "state": "requested" if ok else "unreachable",
                    "offers": [] if ok else list(BOOKINGS), "link": up})


@bp.post("/consults/<sid>/actions")
@public
@api("accept, decline, connected, hangup, wrapped or cancel a consult you are part of", tag="consults",
     request_body={"type": "object", "required": ["action"],
                   "properties": {"action": {"type": "string", "enum": list(ACTIONS)}}})
def act(sid):
    """JSON {sent}: passed to the hub, which answers in the mailboxes."""
    action = _body("action")["action"]
    if action not in ACTIONS:
        raise ValidationError(f"action 须是 {', '.join(ACTIONS)} 之一", fields={"action": "unknown action"})
    who, _pid = _me(sid)
    _check_own(who, sid)
    ok = _live().send(hub_of(_cfg()["code"]), {"kind": "consult.action", "sid": sid, "action": action, "who": who})
    return jsonify({"sent": ok})


@bp.post("/consults/<sid>/signal")
@public
@api("WebRTC signalling for your call: {type: offer|answer|ice|bye, seq, data}", tag="consults")
def signal(sid):
    """JSON {sent}: relayed through the hub to the other party only."""
    body = _body("type", "seq")
    if body["type"] not in SIGNALS or not isinstance(body["seq"], int) or len(str(body.get("data", ""))) > MAX_SIGNAL:
        raise ValidationError("信令格式不对 / bad signalling message", fix=f"type one of {SIGNALS}, seq a number")
    who, pid = _me(sid)
    _check_own(who, sid)
    ok = _live().send(hub_of(_cfg()["code"]), {"kind": "signal", "sid": sid, "from_pid": pid, "type": body["type"],
                                              "seq": body["seq"], "data": body.get("data")})
    return jsonify({"sent": ok})


@bp.post("/consults/booking")
@public
@api("Book a callback or an appointment (面对面) at the township instead of a live consult", tag="consults", status=201,
     request_body={"type": "object", "required": ["kind"], "properties": {
         "kind": {"type": "string", "enum": list(BOOKINGS)}, "note": {"type": "string"}}})
def booking():
    """JSON: the application with the booking recorded (an event, synced like any other)."""
    body = _body("kind")
    if body["kind"] not in BOOKINGS:
        raise ValidationError("kind 须是 callback 或 appointment", fields={"kind": "callback or appointment"})
    doc = viewed_application()
    conn, cfg = get_db(), _cfg()
    with transaction(conn):
        doc = applications.append(conn, shared_clock(conn, cfg), cfg["code"], doc["id"], "callback_booked",
                                  "kiosk", {"kind": body["kind"], "note": str(body.get("note", ""))[:200]})
    return jsonify({"application": {"id": doc["id"], "callbacks": doc["callbacks"]}}), 201


# The `consult_pages` blueprint: a township window's call to the county about one case.
pages = Blueprint("consult_pages", __name__)


@pages.get("/consults/call/<app_id>")
@roles(*TOWNSHIP_CASEWORKERS)
def call(app_id):
    """Hand a hard case to the county face to face: rings a county reviewer (or the item's department)."""
    doc = applications.get(get_db(), app_id)
    return render_template("consult_call.html", doc=doc,
                           ice=json.dumps(config_mod.ice_servers(_cfg())))


def _check_own(who, sid):
    if who == "kiosk" and (session.get("consult") or {}).get("sid") != sid:
        raise Conflict("这不是本机正在进行的咨询 / not this kiosk's consult", fix="ask for a new consult")


def register_live_handlers(cfg):
    """At a node that is not the hub: write `consult_held` when the hub asks (this node holds the application)."""
    live = live_for(cfg)

    def on_record(m):
        conn = open_db(cfg)
        try:
            with transaction(conn):
                applications.append(conn, shared_clock(conn, cfg), cfg["code"], m["app_id"], "consult_held",
                                    "system:consult", m["record"])
        finally:
            conn.close()

    live.on("consult.record", on_record)
