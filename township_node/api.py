"""The township's JSON API under /api/v1/window: the inbox, walk-ins, villages (cases: /api/v1/cases/…)."""
import base64
import binascii

from flask import Blueprint, current_app, g, jsonify, request

from common import paging
from common.errors import ValidationError
from common.roles import TOWNSHIP_CASEWORKERS, TOWNSHIP_CONSOLE
from common.web import api, get_db, roles
from common.web.json_body import json_object

from . import intake, window_store
from .window import filters_from, me


def _body():
    return json_object()


# The `window_api` blueprint.
bp = Blueprint("window_api", __name__, url_prefix="/api/v1/window")


@bp.get("/applications")
@roles(*TOWNSHIP_CONSOLE)
@api("The window inbox: applications held here, filtered", tag="window",
     query={"scope": "mine (custody here, unfinished; default), open or all", "item": "item code",
            "origin": "village code, or this township's code for walk-ins", "state": "state",
            "due": "soon: due within 3 working days", "page": "page number (100 rows a page; `more` says"
            " whether another follows)"})
def inbox():
    """JSON rows of the inbox, a page at a time."""
    conn = get_db()
    page = paging.number(request.args)
    limit, offset = paging.window(page)
    rows, more = paging.split(window_store.inbox(conn, me(), **filters_from(request.args, conn), limit=limit,
                                                 offset=offset))
    return jsonify({"applications": rows, "page": page, "more": more})


@bp.post("/walk-ins")
@roles(*TOWNSHIP_CASEWORKERS)
@api("One-window intake: {item, applicant, form, scans: {material index: base64 image}}", tag="window", status=201,
     request_body={"type": "object", "required": ["item", "applicant"], "properties": {
         "item": {"type": "string"}, "applicant": {"type": "object"}, "form": {"type": "object"},
         "scans": {"type": "object", "additionalProperties": {"type": "string", "format": "byte"}}}})
def walk_in():
    """JSON: the new application (201); a county item comes back already forwarded."""
    body = _body()
    if not isinstance(body.get("item"), str) or not isinstance(body.get("applicant"), dict) \
            or not isinstance(body.get("form", {}), dict) or not isinstance(body.get("scans", {}), dict):
        raise ValidationError("item 须是字符串，applicant、form、scans 须是对象 / wrong types")
    try:
        files = {int(k): base64.b64decode(v, validate=True) for k, v in body.get("scans", {}).items()}
    except (ValueError, TypeError, binascii.Error):
        raise ValidationError("scans 须是 {材料序号: base64 图片} / scans: {index: base64 image}") from None
    doc = intake.walk_in(get_db(), current_app.config["SANJI"], body["item"], body["applicant"],
                         body.get("form", {}), files, g.user["username"])
    return jsonify({"application": doc}), 201


@bp.get("/villages")
@roles(*TOWNSHIP_CONSOLE)
@api("Each village's link: state, since, last contact, queue depth both ways, oldest pending", tag="window")
def villages():
    """JSON list of the child links."""
    return jsonify({"villages": window_store.villages(get_db())})
