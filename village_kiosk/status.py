"""Checking an application's progress at the kiosk: tracking code + last 4 of ID number or phone.

Same answer for a wrong code and a wrong secret, so the form cannot be used to find out which
codes exist. Read-only, so the JSON form is exempt from CSRF; the page form posts (nothing
personal lands in the kiosk browser's history).
"""
from flask import Blueprint, jsonify, render_template, request

from common.domain import timeline
from common.domain.application import label
from common.errors import NotFound, ValidationError
from common.ids import parse_tracking_code
from common.store import applications, outbox
from common.web import api, get_db, public
from common.web.access import csrf_exempt

NOT_FOUND = "没有找到这件申请，请核对查询码和后 4 位 / no application matches that code and those 4 characters"


def find(conn, code, last4):
    """(doc, steps) for tracking CODE when LAST4 matches its applicant; NotFound or ValidationError otherwise."""
    code = parse_tracking_code(code)
    for doc in applications.by_tracking_code(conn, code):
        if timeline.matches_secret(doc, last4):
            events = applications.events(conn, doc["id"])
            waiting = outbox.unacknowledged(conn, outbox.UP, [e["id"] for e in events])
            return applications.get(conn, doc["id"]), timeline.steps(events, waiting)
    raise NotFound(NOT_FOUND, fix="查询码在回执上；后 4 位是身份证号或手机号的最后 4 位")


def status_blueprint():
    """Routes for progress checks: /kiosk/status pages and POST /api/v1/status."""
    bp = Blueprint("kiosk_status", __name__)

    @bp.get("/kiosk/status")
    @bp.get("/kiosk/status/<code>")
    @public
    def form(code=""):
        """The lookup form (CODE prefilled when the receipt's QR was scanned)."""
        return render_template("kiosk/status_form.html", code=code, errors={})

    @bp.post("/kiosk/status")
    @public
    def lookup():
        """The timeline, or the form again with an error summary."""
        code, last4 = request.form.get("code", "")[:20], request.form.get("last4", "")[:10]
        errors = {}
        if not code.strip():
            errors["code"] = "请输入回执上的查询码"
        else:
            try:
                parse_tracking_code(code)
            except ValidationError as exc:
                errors["code"] = f"{exc.message}：{exc.fix}"
        if len(last4.strip()) != 4:
            errors["last4"] = "请输入身份证号或手机号的最后 4 位"
        if not errors:
            try:
                doc, steps = find(get_db(), code, last4)
                return render_template("kiosk/status.html", doc=doc, steps=steps, state_label=label)
            except NotFound:
                errors["code"] = NOT_FOUND.split(" / ")[0]
        return render_template("kiosk/status_form.html", code=code, errors=errors), 400

    @bp.post("/api/v1/status")
    @public
    @csrf_exempt
    @api("An application's progress by tracking code and the last 4 of the ID number or phone", tag="kiosk",
         request_body={"type": "object", "required": ["code", "last4"],
                       "properties": {"code": {"type": "string"}, "last4": {"type": "string"}}})
    def api_status():
        """JSON: state, deadline and the plain-words steps."""
        body = request.get_json(silent=True)
        if not isinstance(body, dict) or not isinstance(body.get("code"), str) or not isinstance(body.get("last4"), str):
            raise ValidationError("请求需要 code 和 last4 两个字符串 / code and last4 (strings) are required")
        doc, steps = find(get_db(), body["code"], body["last4"])
        return jsonify({"tracking_code": doc["tracking_code"], "item": {"code": doc["item"]["code"],
                        "name": doc["item"]["name"]}, "state": doc["state"], "state_label": label(doc["state"]),
                        "due_on": doc["due_on"], "due_provisional": doc["due_provisional"],
                        "supplement": doc["supplement"], "steps": steps})

    return bp
