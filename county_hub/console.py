"""The county's consoles: department inboxes (内网办理), escalations to review, and supervision (电子监察).

One application's page and its actions are the shared casework pages (`common.web.cases`); a
county approver acts on the steps of their own department(s).
"""
import hmac

from flask import Blueprint, current_app, g, jsonify, redirect, render_template, request, url_for

from common import paging
from common.domain import staffing
from common.domain.application import label
from common.errors import AuthRequired, NotFound, ValidationError
from common.roles import COUNTY_CONSOLE, OVERSEERS
from common.store import calendar as cal_store
from common.store import catalog, users
from common.web import api, get_db, public, roles
from common.web.access import csrf_exempt
from common.web.notice_views import only_publishes

from . import external, external_store, queues, supervision


def me():
    """The county's node code."""
    return current_app.config["SANJI"]["code"]


def _external():
    return bool(current_app.config["SANJI"]["approval_url"])


def my_departments(user):
    """The departments USER approves for ('' means every department)."""
    return {d or "" for r, d in user["roles"] if r == "county_approver"}


def staffing_gaps(conn):
    """Departments (and their steps) with open cases here that no active account can act on; the reviewer too."""
    counts, people = queues.awaiting_counts(conn, me()), users.all_users(conn)
    # The cases to look into: those of departments no approver covers, and of departments whose items have a
    # reviewer's step when no reviewer covers it (the index says which department a case awaits, not the role).
    reviewed = staffing.reviewer_departments(catalog.items(conn))
    uncovered = {d for d in counts if d and (not staffing.can_act(people, staffing.APPROVER, d) or
                                             d in reviewed and not staffing.can_act(people, staffing.REVIEWER, d))}
    return staffing.gaps(counts, people, queues.awaiting_docs(conn, me(), uncovered), queues.reviewer_count(conn, me()))


# The county's `tier` blueprint: / (queues), /supervision, and their JSON.
bp = Blueprint("tier", __name__, template_folder="templates")


@bp.get("/")
@roles(*COUNTY_CONSOLE, "publisher")
def home():
    """The user's queues: their departments' inbox, escalations to review, warnings."""
    if only_publishes(g.user):
        return redirect(url_for("notices.page"))
    conn = get_db()
    depts = my_departments(g.user)
    held = {r for r, _ in g.user["roles"]}
    page = paging.number(request.args)
    limit, offset = paging.window(page)
    inbox, more = paging.split(queues.department_inbox(conn, me(), depts, limit=limit, external=_external(),
                                                       offset=offset)) if depts else (None, False)
    return render_template("county/home.html", state_label=label, page=page, more=more, inbox=inbox,
                           escalations=queues.escalations(conn, me()) if "county_reviewer" in held else None,
                           taken=queues.taken(conn, me()) if "county_reviewer" in held else None,
                           warnings=queues.warned(conn, limit=paging.PAGE) if held & set(OVERSEERS) else None,
                           departments={d["code"]: d["name"] for d in catalog.departments(conn)},
                           my_departments=sorted(depts),
                           gaps=staffing_gaps(conn) if "admin" in held else None)


@bp.get("/supervision")
@roles(*OVERSEERS)
def supervision_page():
    """Warnings, filtered by level, department and township, with the rules in force."""
    conn = get_db()
    f = {k: request.args.get(k) or None for k in ("level", "department", "township")}
    page = paging.number(request.args)
    cal, rule = cal_store.load_cached(conn), supervision.rules(conn)
    rectifying = [dict(d, rect_due=supervision.rectification_due(d, cal, rule).isoformat())
                  for d in queues.open_rectifications(conn, limit=paging.PAGE)]
    limit, offset = paging.window(page)
    rows, more = paging.split(queues.warned(conn, **f, limit=limit, offset=offset))
    return render_template("county/supervision.html", rows=rows, f=f, rectifying=rectifying,
                           page=page, more=more, rule=rule, state_label=label, gaps=staffing_gaps(conn),
                           departments={d["code"]: d["name"] for d in catalog.departments(conn)})


@bp.get("/api/v1/county/inbox")
@roles("county_approver")
@api("The signed-in approver's department inbox, soonest due first", tag="county")
def inbox_api():
    """JSON rows awaiting the user's departments, a page at a time (?page=, PAGE rows; `more` when there is another)."""
    page = paging.number(request.args)
    limit, offset = paging.window(page)
    rows, more = paging.split(queues.department_inbox(get_db(), me(), my_departments(g.user), limit=limit,
                                                      external=_external(), offset=offset))
    return jsonify({"applications": rows, "page": page, "more": more})


@bp.get("/api/v1/county/escalations")
@roles("county_reviewer")
@api("Escalations from townships awaiting the county's answer (and those it took, under `taken`)", tag="county")
def escalations_api():
    """JSON rows in escalation review, and the cases the county took to decide itself."""
    return jsonify({"applications": queues.escalations(get_db(), me()), "taken": queues.taken(get_db(), me())})


@bp.get("/api/v1/supervision/warnings")
@roles(*OVERSEERS)
@api("Unfinished applications with a yellow or red warning", tag="supervision",
     query={"level": "yellow or red", "department": "department code", "township": "township code"})
def warnings_api():
    """JSON rows with warnings, a page at a time (?page=; `more` when there is another)."""
    f = {k: request.args.get(k) or None for k in ("level", "department", "township")}
    page = paging.number(request.args)
    limit, offset = paging.window(page)
    rows, more = paging.split(queues.warned(get_db(), **f, limit=limit, offset=offset))
    return jsonify({"applications": rows, "page": page, "more": more})


@bp.get("/api/v1/supervision/rules")
@roles(*OVERSEERS)
@api("The supervision rules in force", tag="supervision")
def rules_api():
    """JSON rules."""
    return jsonify(supervision.rules(get_db()))


@bp.put("/api/v1/supervision/rules")
@roles(*OVERSEERS)  # as on the page /supervision/rules
@api("Change supervision rules: {yellow_days_left, repeat_supplements, check_fee, rectify_days}", tag="supervision",
     request_body={"type": "object", "properties": {"yellow_days_left": {"type": "integer"},
                                                    "repeat_supplements": {"type": "integer"},
                                                    "check_fee": {"type": "boolean"},
                                                    "rectify_days": {"type": "integer"}}})
def rules_put():
    """JSON: the rules now in force."""
    return jsonify(supervision.set_rules(get_db(), request.get_json(silent=True), g.user["username"]))


@bp.post("/api/v1/supervision/sweep")
@roles(*OVERSEERS)
@api("Run the supervision sweep now (it also runs every few minutes)", tag="supervision")
def sweep_api():
    """JSON: how many warnings were raised."""
    return jsonify({"raised": supervision.sweep(get_db(), current_app.config["SANJI"])})


@bp.post("/api/v1/external/callback")
@public
@csrf_exempt  # the outside system has no session; it proves itself with the shared bearer token
@api("The external approval system reports a case: {id, status, reason?, missing?, note?} with its bearer token",
     tag="external", request_body={"type": "object", "required": ["id", "status"], "properties": {
         "id": {"type": "string"}, "status": {"type": "string", "enum": list(external.STATUSES)},
         "reason": {"type": "string"}, "missing": {"type": "array", "items": {"type": "string"}}}})
def external_callback():
    """JSON: the events appended."""
    cfg = current_app.config["SANJI"]
    # Compared as bytes: compare_digest refuses non-ASCII text, and a header is whatever a caller sends.
    sent = request.headers.get("Authorization", "").encode("utf-8", "surrogateescape")
    if not cfg["approval_token"] or not hmac.compare_digest(sent, f"Bearer {cfg['approval_token']}".encode()):
        raise AuthRequired("令牌不对 / wrong or missing token", fix="send Authorization: Bearer <approval_token>")
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("id"), str) or not body["id"].strip():
        raise ValidationError("需要 id 和 status / id and status are required",
                              fix="id is the external system's non-empty case id")
    row = external_store.by_external_id(get_db(), body["id"])
    if row is None:
        raise NotFound(f"没有外部编号为 {body['id']} 的办件 / no case with that id")
    return jsonify({"appended": external.apply_remote(get_db(), cfg, row["app_id"], body)})
