"""The supervisors' tools (电子监察): 督办/催办 a warned case, and the page that edits the supervision rules.

Views only: the urge is `county_hub.urge`, the rules' validation `supervision.set_rules` (the same
as `PUT /api/v1/supervision/rules`, audited the same way).
"""
from flask import Blueprint, current_app, g, jsonify, redirect, render_template, request, url_for

from common.errors import SanjiError, ValidationError
from common.roles import OVERSEERS
from common.web import api, get_db, roles
from common.web.cases import open_case, render_detail
from common.web.json_body import json_object
from common.store import applications

from common.domain import urging

from . import supervision, urge
from .supervision import DEFAULT_RULES, RULE_BOUNDS


def rules_from_form(form):
    """The rules a posted FORM asks for: whole numbers from their boxes, check_fee from its checkbox.

    ValidationError names each box that is not a whole number in its range (set_rules checks again).
    """
    new, errors = {}, {}
    for key, (lo, hi) in RULE_BOUNDS.items():
        text = str(form.get(key, "")).strip()
        if not (text.isascii() and text.isdigit() and len(text) <= 3 and lo <= int(text) <= hi):
            errors[key] = f"请填 {lo}–{hi} 的整数 / a whole number {lo}–{hi}"
        else:
            new[key] = int(text)
    new["check_fee"] = form.get("check_fee") == "on"
    if errors:
        raise ValidationError("监察规则有误，请修改 / please correct the rules", fields=errors)
    return new


# The `supervision_pages` blueprint: POST /cases/<id>/urge, GET/POST /supervision/rules and their JSON.
bp = Blueprint("supervision_pages", __name__, template_folder="templates")


@bp.post("/cases/<app_id>/urge")
@roles("supervisor")
def urge_page(app_id):
    """Send 督办 or 催办 to the office holding a warned case; back to the case, which shows it."""
    conn = get_db()
    open_case(conn, applications.get(conn, app_id), g.user, "urge")
    try:
        urge.urge(conn, current_app.config["SANJI"], app_id, g.user, request.form.get("kind", ""),
                  request.form.get("note", "")[:urging.NOTE_MAX + 1])
    except SanjiError as exc:
        errors = dict(getattr(exc, "fields", {}) or {"urge": exc.message})
        return render_detail(app_id, errors=errors, status=exc.http_status,
                             form={"urge_kind": request.form.get("kind", ""), "urge_note": request.form.get("note", "")})
    return redirect(url_for("cases.detail", app_id=app_id, _anchor="urged"))


@bp.post("/api/v1/supervision/urge/<app_id>")
@roles("supervisor")
@api("Send 督办 (duban) or 催办 (cuiban) to the office holding a case with a yellow or red warning: {kind, note}",
     tag="supervision", request_body={"type": "object", "required": ["kind", "note"], "properties": {
         "kind": {"type": "string", "enum": list(urging.KINDS)},
         "note": {"type": "string", "maxLength": urging.NOTE_MAX}}})
def urge_api(app_id):
    """JSON: the application after the urge, and how many staff were texted (null: no text sent)."""
    body = json_object()
    conn = get_db()
    open_case(conn, applications.get(conn, app_id), g.user, "urge")
    doc, texted = urge.urge(conn, current_app.config["SANJI"], app_id, g.user, body.get("kind"), body.get("note"))
    return jsonify({"application": doc, "texted": texted})


@bp.route("/supervision/rules", methods=["GET", "POST"])
@roles(*OVERSEERS)
def rules_page():
    """The supervision rules in force, and a form to change them (audited as the API is)."""
    conn = get_db()
    errors, form, saved = {}, None, request.args.get("saved") == "1"
    if request.method == "POST":
        form = request.form
        try:
            supervision.set_rules(conn, rules_from_form(form), g.user["username"])
            return redirect(url_for("supervision_pages.rules_page", saved="1"))
        except SanjiError as exc:
            errors = dict(getattr(exc, "fields", {}) or {"yellow_days_left": exc.message})
    rule = supervision.rules(conn)
    return render_template("county/supervision_rules.html", rule=rule, form=form, errors=errors, saved=saved,
                           bounds=RULE_BOUNDS, defaults=DEFAULT_RULES), 400 if errors else 200
