"""The SMS outbox as the county sees it: its health, and the opt-out list kept from replies (TD)."""
from flask import Blueprint, current_app, jsonify, request

from common.errors import ValidationError
from common.roles import OVERSEERS
from common.store.db import transaction
from common.web import api, get_db, roles

from . import sms, sms_store


# The `sms` blueprint: GET /api/v1/sms/status and POST /api/v1/sms/optout.
bp = Blueprint("sms", __name__)


@bp.get("/api/v1/sms/status")
@roles(*OVERSEERS)
@api("The SMS outbox: pending (and retrying), sent, failed, skipped, opted-out numbers, the last error",
     tag="sms")
def status():
    """JSON: the outbox's counts and whether SMS is on."""
    return jsonify(dict(sms_store.health(get_db()), gateway=bool(current_app.config["SANJI"]["sms_gateway"])))


@bp.post("/api/v1/sms/optout")
@roles("admin")
@api("Add a phone number to the opt-out list (a person replied TD, or asked by phone): {phone}", tag="sms",
     request_body={"type": "object", "required": ["phone"], "properties": {"phone": {"type": "string"}}})
def optout():
    """JSON: {phone (masked), added}."""
    body = request.get_json(silent=True)
    phone = str((body or {}).get("phone", "")).strip() if isinstance(body, dict) else ""
    if not sms.PHONE_RE.match(phone):
        raise ValidationError("请填写11位手机号 / an 11-digit mobile number is required", fields={"phone": "手机号"})
    conn = get_db()
    with transaction(conn):
        added = sms_store.opt_out(conn, phone, "admin")
    return jsonify({"phone": sms.mask(phone), "added": added})
