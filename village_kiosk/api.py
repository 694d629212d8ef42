"""The village's JSON API under /api/v1: everything the kiosk and the clerk console do, for other clients.

Villager-facing calls are public and authorise by tracking code + last 4 (as the kiosk does);
they need no CSRF token from a caller without a session, while a signed-in clerk sends
X-CSRF-Token and is recorded as applying on the villager's behalf. Clerk calls need sign-in.
"""
from flask import Blueprint, current_app, jsonify, request

from common import clock as business_clock
from common import paging, photos
from common.domain import ratings
from common.domain.application import is_voice, label
from common.errors import ValidationError
from common.roles import VILLAGE_CONSOLE
from common.store import applications
from common.web import api, get_db, public, roles
from common.web.access import csrf_exempt, csrf_exempt_anonymous
from common.web.json_body import json_object

from . import actions, clerk_store
from .apply import clerk
from .receipt import build as build_receipt
from .rating import WHY, record_rating
from .status import REASONS, find, steps_of

CODE_BODY = {"type": "object", "required": ["code", "last4"],
             "properties": {"code": {"type": "string"}, "last4": {"type": "string"}}}


def _body(*required):
    body = json_object(fix=f"send Content-Type: application/json with {', '.join(required)}")
    bad = [k for k in required if k not in body]
    if bad:
        raise ValidationError(f"缺少字段 / missing: {', '.join(bad)}", fix=f"send {', '.join(required)}")
    return body


def _looked_up(body):
    if not isinstance(body.get("code"), str) or not isinstance(body.get("last4"), str):
        raise ValidationError("请求需要 code 和 last4 两个字符串 / code and last4 (strings) are required")
    return find(get_db(), body["code"], body["last4"], request.remote_addr or "")


def _status(doc):
    return {"id": doc["id"], "tracking_code": doc["tracking_code"],
            "item": {"code": doc["item"]["code"], "name": doc["item"]["name"]}, "state": doc["state"],
            "state_label": label(doc["state"], is_voice(doc)), "due_on": doc["due_on"], "due_provisional": doc["due_provisional"],
            "supplement": doc["supplement"], "withdrawal_requested": doc.get("withdrawal_requested", False),
            "steps": steps_of(get_db(), doc)}


def _uploader():
    # Whose an upload is: the signed-in clerk's, else the kiosk machine's (its address).
    who = clerk()
    return f"clerk:{who}" if who else f"addr:{request.remote_addr or ''}"


def _receipt(doc):
    return build_receipt(get_db(), doc, current_app.config["SANJI"]["public_url"])


# The `village_api` blueprint.
bp = Blueprint("village_api", __name__, url_prefix="/api/v1")


@bp.post("/status")
@public
@csrf_exempt
@api("An application's progress by tracking code and the last 4 of the ID number or phone", tag="kiosk",
     request_body=CODE_BODY)
def status():
    """JSON: state, deadline and the plain-words steps."""
    return jsonify(_status(_looked_up(_body("code", "last4"))))


@bp.post("/status/receipt")
@public
@csrf_exempt
@api("The receipt of an application (to print again): code, status address, item, dates", tag="kiosk",
     request_body=CODE_BODY)
def receipt():
    """JSON: the receipt's facts, as printed."""
    return jsonify(_receipt(_looked_up(_body("code", "last4"))))


@bp.post("/status/supplement")
@public
@csrf_exempt_anonymous
@api("Provide what a supplement request (补正) asks for: photos uploaded with POST /api/v1/materials", tag="kiosk",
     request_body={"type": "object", "required": ["code", "last4", "materials"],
                   "properties": {"code": {"type": "string"}, "last4": {"type": "string"},
                                  "materials": {"type": "array", "items": {"type": "string"},
                                                "description": "sha256 of each uploaded photo"}}})
def supplement():
    """Append `supplement_provided` with the uploaded photos; JSON status."""
    body = _body("code", "last4", "materials")
    doc = _looked_up(body)
    shas = body["materials"] if isinstance(body["materials"], list) else []
    conn = get_db()
    entries = actions.material_entries(conn, shas, actions.supplement_name(doc), _uploader())
    doc = actions.provide_supplement_blobs(conn, current_app.config["SANJI"], doc, entries, clerk() or "kiosk")
    return jsonify(_status(applications.get(conn, doc["id"])))


@bp.post("/status/withdraw")
@public
@csrf_exempt_anonymous
@api("Ask to withdraw an application (撤回) before it is decided", tag="kiosk",
     request_body={"type": "object", "required": ["code", "last4", "reason"],
                   "properties": {"code": {"type": "string"}, "last4": {"type": "string"},
                                  "reason": {"type": "string", "enum": list(REASONS)}}})
def withdraw():
    """Append `withdrawal_requested`; JSON status."""
    body = _body("code", "last4", "reason")
    doc = _looked_up(body)
    if body["reason"] not in REASONS:
        raise ValidationError("reason 须是所列原因之一 / reason must be one of the listed ones", details=list(REASONS))
    doc = actions.request_withdrawal(get_db(), current_app.config["SANJI"], doc, body["reason"], clerk() or "kiosk")
    return jsonify(_status(applications.get(get_db(), doc["id"])))


@bp.post("/status/rating")
@public
@csrf_exempt_anonymous
@api("Rate the service once the outcome is known (好差评): level 1–5 (5 非常满意), and for 1–2 what went wrong",
     tag="kiosk", request_body={"type": "object", "required": ["code", "last4", "level"],
                                "properties": {"code": {"type": "string"}, "last4": {"type": "string"},
                                               "level": {"type": "integer", "minimum": 1, "maximum": 5},
                                               "reason": {"type": "string", "enum": list(WHY)}}})
def rating():
    """Append `rated` (channel kiosk); JSON status."""
    body = _body("code", "last4", "level")
    doc = _looked_up(body)
    level, reason = body["level"], body.get("reason", "")
    if not isinstance(level, int) or isinstance(level, bool) or level not in ratings.LEVELS:
        raise ValidationError("level 须是 1–5 的整数 / level must be an integer 1–5", fields={"level": "1–5"})
    if level <= ratings.BAD and reason not in WHY:
        raise ValidationError("差评请说明原因 / say what went wrong", fields={"reason": "、".join(WHY)})
    record_rating(doc, level, reason if level <= ratings.BAD else "")
    return jsonify(_status(applications.get(get_db(), doc["id"])))


@bp.post("/materials")
@public
@csrf_exempt_anonymous
@api("Upload one photo of a material (multipart field `photo`); checked, shrunk, kept by its sha256",
     tag="kiosk", status=201)
def materials():
    """JSON: sha256, size, width and height of the stored photo (201)."""
    return jsonify(actions.store_photo(get_db(), current_app.config["SANJI"], photos.read_upload(request),
                                       _uploader())), 201


@bp.post("/applications")
@public
@csrf_exempt_anonymous
@api("Apply: item, applicant {name, id_number, phone}, form answers, materials [{sha256, material}];"
     " send an Idempotency-Key header (one per submission) and a retry returns the first answer",
     tag="kiosk", status=201, request_body={
         "type": "object", "required": ["item", "applicant"],
         "properties": {"item": {"type": "string"}, "applicant": {"type": "object"}, "form": {"type": "object"},
                        "materials": {"type": "array", "items": {"type": "object"}}}})
def apply():
    """Store the application here at once (the parent may be unreachable); JSON receipt (201)."""
    body = _body("item", "applicant")
    if not isinstance(body["item"], str) or not isinstance(body["applicant"], dict) \
            or not isinstance(body.get("form", {}), dict) or not isinstance(body.get("materials", []), list):
        raise ValidationError("item 须是字符串，applicant 和 form 须是对象，materials 须是数组 / wrong types")
    who = clerk()
    doc = actions.submit_direct(get_db(), current_app.config["SANJI"], body["item"], body["applicant"],
                                body.get("form", {}), body.get("materials", []), who or "kiosk", proxy_by=who,
                                key=request.headers.get("Idempotency-Key"), uploader=_uploader())
    return jsonify(_receipt(doc)), 201


@bp.get("/applications")
@roles(*VILLAGE_CONSOLE)
@api("The village's applications, newest first, each with its sync state", tag="clerk",
     query={"state": "only this state, e.g. supplement", "limit": "at most this many (default 200)",
            "page": "page number, LIMIT rows a page (`more` says whether another follows)"})
def list_applications():
    """JSON list for the clerk console, a page at a time."""
    try:
        limit = max(1, min(1000, int(request.args.get("limit", 200))))
    except ValueError:
        raise ValidationError("limit 须是整数 / limit must be a whole number") from None
    page = paging.number(request.args)
    rows, more = paging.split(clerk_store.rows(get_db(), request.args.get("state") or None, *paging.window(page, limit)),
                              limit)
    return jsonify({"applications": rows, "page": page, "more": more})


@bp.get("/applications/<app_id>")
@roles(*VILLAGE_CONSOLE)
@api("One application in full with its plain-words timeline", tag="clerk")
def one_application(app_id):
    """JSON: the projection and its steps."""
    doc = applications.get(get_db(), app_id)
    return jsonify(dict(doc, steps=steps_of(get_db(), doc)))


@bp.get("/clerk/summary")
@roles(*VILLAGE_CONSOLE)
@api("Today's summary for the village clerk: new, waiting for the network, supplements, decided", tag="clerk")
def summary():
    """JSON: today's counts and the parent link's state."""
    return jsonify(clerk_store.summary(get_db(), business_clock.today(current_app.config["SANJI"]).isoformat()))
