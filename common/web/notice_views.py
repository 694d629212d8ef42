"""Public notices on the county's and townships' consoles: publish, edit, withdraw; list what came from above.

Thin views over `common.notices.publish`; the form follows GOV.UK's error summary. JSON beside
them under /api/v1/notices. Villages show notices on the kiosk (village_kiosk/notices.py).
"""
from flask import Blueprint, current_app, g, jsonify, redirect, render_template, request, url_for

from .. import notices as publishing
from ..domain import notices as model
from ..errors import NotFound, SanjiError, ValidationError
from ..roles import NOTICE_PUBLISHERS, NOTICE_READERS
from ..store import notices as store
from .access import roles
from .context import get_db
from .json_body import json_object
from .openapi import api


def only_publishes(user):
    """True when USER's one job here is notices (so the console's home sends them to /notices)."""
    return {r for r, _ in user["roles"]} <= {"publisher"}


def _page(form=None, errors=None, editing=None, status=200):
    conn, me = get_db(), current_app.config["SANJI"]["code"]
    may = any(r in NOTICE_PUBLISHERS for r, _ in g.user["roles"])
    return render_template("notices.html", mine=store.listed(conn, publisher=me),
                           from_above=[n for n in store.listed(conn) if n["publisher"] != me],
                           categories=model.CATEGORIES, form=form or {}, errors=errors or {}, editing=editing,
                           may_publish=may, done=request.args.get("done", "")), status


# The `notices` blueprint: /notices (list and publish), edit and withdraw, and the JSON API.
bp = Blueprint("notices", __name__)


@bp.get("/notices")
@roles(*NOTICE_READERS)
def page():
    """Notices published here and those received from above; the publishing form for publishers."""
    editing = store.get(get_db(), request.args["edit"]) if request.args.get("edit") else None
    return _page(form=editing, editing=editing)


@bp.post("/notices")
@roles(*NOTICE_PUBLISHERS)
def publish():
    """Publish a new notice, or save an edit (notice_id), and send it down."""
    notice_id = request.form.get("notice_id") or None
    try:
        publishing.publish(get_db(), current_app.config["SANJI"], g.user["username"], request.form, notice_id)
    except SanjiError as exc:
        editing = store.get(get_db(), notice_id) if notice_id else None
        return _page(form=request.form, errors=getattr(exc, "fields", None) or {"title": exc.message},
                     editing=editing, status=exc.http_status)
    return redirect(url_for("notices.page", done="edited" if notice_id else "published"), code=303)


@bp.post("/notices/<notice_id>/withdraw")
@roles(*NOTICE_PUBLISHERS)
def withdraw(notice_id):
    """Withdraw a notice published here (it disappears from the kiosks below)."""
    publishing.publish(get_db(), current_app.config["SANJI"], g.user["username"], {}, notice_id, withdraw=True)
    return redirect(url_for("notices.page", done="withdrawn"), code=303)


@bp.get("/api/v1/notices")
@roles(*NOTICE_READERS)
@api("Every notice held here (published here or received from above), newest first", tag="notices")
def list_api():
    """JSON: notices."""
    return jsonify({"notices": store.listed(get_db())})


@bp.post("/api/v1/notices")
@roles(*NOTICE_PUBLISHERS)
@api("Publish a notice: {title, body, category (public|guide|notice), published_on?, expires_on?}; with id, "
     "an edit; with withdrawn true, a withdrawal", tag="notices", status=201, request_body={
         "type": "object", "required": ["title", "body"], "properties": {
             "id": {"type": "string"}, "title": {"type": "string"}, "body": {"type": "string"},
             "category": {"type": "string", "enum": list(model.CATEGORIES)},
             "published_on": {"type": "string"}, "expires_on": {"type": "string"},
             "withdrawn": {"type": "boolean"}}})
def publish_api():
    """JSON: the notice as stored (201)."""
    body = json_object()
    notice_id = body.get("id") if isinstance(body.get("id"), str) else None
    if body.get("id") is not None and notice_id is None:
        raise NotFound("没有这条公告 / no such notice", fix="id is the text id of a notice published here")
    if body.get("withdrawn") is True and not notice_id:
        raise ValidationError("撤回公告须给出其 id / say which notice to withdraw",
                              fix='send {"id": "<the notice id>", "withdrawn": true}', fields={"id": "必填"})
    stored = publishing.publish(get_db(), current_app.config["SANJI"], g.user["username"], body, notice_id,
                                withdraw=body.get("withdrawn") is True)
    return jsonify({"notice": stored}), 201
