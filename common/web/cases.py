"""Casework pages every deciding tier shares: one application, its materials, timeline and open actions.

The township's window and the county's departments both register `cases_blueprint(...)`; what
each user may do comes from `common.domain.decisions`, applied again to whatever is posted.
Pages: /cases/<id> (GET), /cases/<id>/act (POST), /cases/<id>/full/<sha> (POST: ask for a photo's
full copy), /cases/blob/<sha>; JSON beside them under
/api/v1/cases/….
"""
import io
from datetime import datetime

from flask import Blueprint, current_app, g, jsonify, redirect, render_template, request, send_file, url_for

from .. import papers
from ..domain import decisions, documents, ratings, submission, timeline, urging
from .. import hlc
from ..clock import CHINA
from ..domain.application import RESOLUTIONS, is_voice, label, step_deadlines
from ..domain.nodes import child_toward, in_subtree, tier_of
from ..errors import Conflict, Forbidden, NotFound, SanjiError, ValidationError
from ..node import shared_clock
from ..roles import TOWNSHIP_CASEWORKERS
from ..store import applications, audit, blobs, catalog, sync_status
from ..store import calendar as cal_store
from ..store.db import transaction
from .access import roles
from .context import get_db
from .json_body import json_object
from .openapi import api


def event_time(stamp):
    """YYYY-MM-DD HH:MM (China time) of an HLC timestamp STAMP."""
    return datetime.fromtimestamp(hlc.parse(stamp).ms / 1000, CHINA).strftime("%Y-%m-%d %H:%M")


def timeline_of(conn, doc):
    """Every event of DOC for staff (who did what, when, why, at which step of which department), oldest first."""
    names = {d["code"]: d["name"] for d in catalog.departments(conn)}
    return [dict(timeline.who_acted(doc, e, names), hlc=e["hlc"], at=event_time(e["hlc"]), type=e["type"],
                 label=label(e["type"]), origin=e["origin"], actor=e["actor"],
                 reason=e["payload"].get("reason", ""), missing=e["payload"].get("missing", []),
                 note=e["payload"].get("note", "") or e["payload"].get("answer", "") or e["payload"].get("level", ""))
            for e in applications.events(conn, doc["id"])]


def parse_action(value, form):
    """ACTION from a choice's VALUE ('step_passed:review', 'escalation_answered:taken'); FORM completed."""
    action, _, extra = str(value).partition(":")
    if extra:
        form["resolution" if action == "escalation_answered" else "step"] = extra
    return action


def open_case(conn, doc, user, what="case"):
    """DOC if USER may see its personal data and materials (audited either way); Forbidden otherwise."""
    target = doc["id"]
    if not decisions.may_view(doc, user_roles(user)):
        audit.record(conn, user["username"], "case.view_refused", target, {"what": what}, request.remote_addr or "")
        raise Forbidden("这件申请不属于您所在部门 / this case is not one of your department's",
                        fix="ask the department that handles it, or the county reviewer")
    audit.record(conn, user["username"], "case.viewed", target, {"what": what}, request.remote_addr or "")
    return doc


def user_roles(user):
    """USER's roles as (role, department) pairs, as `decisions` takes them."""
    return [(r, d) for r, d in user["roles"]]


def act(conn, cfg, app_id, user, action, form):
    """Take ACTION on APP_ID as USER with FORM; only what `decisions.available` offers is allowed.

    A finishing approval appends its two events (the last step, the decision) in one transaction.
    """
    me = cfg["code"]
    if not action:
        raise ValidationError("请选择要办理的事项 / choose what to do", fields={"action": "请选择一项"})
    with transaction(conn):
        doc = applications.get(conn, app_id)
        planned = decisions.events_for(doc, me, user_roles(user), action, form,
                                       departments={d["code"] for d in catalog.departments(conn)})
        for kind, payload in planned:
            if kind in documents.KIND_OF_EVENT and cfg.get("name"):  # the office that issues its paper
                payload = dict(payload, office=str(cfg["name"])[:documents.OFFICE_MAX])
            doc = applications.append(conn, shared_clock(conn, cfg), me, app_id, kind, user["username"], payload)
    return doc


def _window_of(doc, me, user):
    return tier_of(me) == "township" and in_subtree(doc["origin"], me) \
        and any(r in TOWNSHIP_CASEWORKERS for r, _ in user["roles"])


def hands_off(me, user):
    """True when USER, at node ME, may hand a case up to the county in a live consult (township caseworkers)."""
    return tier_of(me) == "township" and any(r in TOWNSHIP_CASEWORKERS for r, _ in user["roles"])


def window_may_rate(doc, me, user):
    """True when USER, at township ME, may record the person's rating of DOC at the window now."""
    return _window_of(doc, me, user) and ratings.ratable(doc, "window")


def rate_at_window(conn, cfg, app_id, user, level, comment=""):
    """Record the rating the person in front of USER gave at the window (channel window, this office and staff)."""
    me = cfg["code"]
    doc = applications.get(conn, app_id)
    if not _window_of(doc, me, user):
        raise Forbidden("这件申请不能在本窗口评价 / this application cannot be rated at this window",
                        fix="the applicant's own township's window staff record ratings")
    try:
        level = int(level)
    except (TypeError, ValueError):
        raise ValidationError("请选择评价等级 / choose how satisfied the person is", fields={"level": "请选择一项"})
    payload = {"level": level, "channel": "window", "comment": str(comment or "").strip(),
               "staff": user["username"], "office": me}
    return applications.append(conn, shared_clock(conn, cfg), me, app_id, "rated", user["username"], payload)


def find_cases(conn, text, user):
    """The cases USER may open that TEXT (a tracking code or an ID number) names; the search is audited."""
    found = [d for d in applications.find(conn, text) if decisions.may_view(d, user_roles(user))]
    audit.record(conn, user["username"], "case.searched", "", {"found": len(found)}, request.remote_addr or "")
    return found


def ask_full_copy(conn, cfg, app_id, sha, user):
    """Ask for the full copy of APP_ID's photo SHA for USER (kept where it was taken); returns its state.

    It is pulled from the child toward the application's origin before any other photo (each
    tier between passes the request on as it is asked); a full copy held already is just shown.
    """
    doc = open_case(conn, applications.get(conn, app_id), user, "full_copy")
    full = submission.full_copy(doc, sha)
    if full is None or full["sha256"] == sha:
        raise NotFound("这张照片没有更清晰的原图 / this photo has no full copy",
                       fix="the photo shown is the whole of it; ask for a supplement if it cannot be read")
    link = child_toward(doc["origin"], cfg["code"])
    with transaction(conn):
        if not blobs.is_complete(conn, full["sha256"]):
            if link is None or sync_status.link_state(conn, link) is None:
                raise NotFound("原图不在本机，也无处调取 / the full copy is not held here and cannot be fetched",
                               fix="ask for a supplement instead (补正)")
            if blobs.referring_origins(conn, full["sha256"]) != [doc["origin"]]:
                # Another village's application names the same photo: whose it is cannot be told here.
                raise Conflict("这张原图也被其他村的申请引用，无法确认 / another village's application names the same "
                               "full copy", fix="ask for a supplement instead (补正)")
            blobs.want(conn, full["sha256"], link, full["size"], doc["origin"], urgent=True)
        audit.record(conn, user["username"], "case.full_copy_asked", app_id, {"sha256": full["sha256"]},
                     request.remote_addr or "")
    return full_copy_state(conn, full)


def full_copy_state(conn, full):
    """{sha256, size, state, have, missing_at} of full copy FULL ({sha256, size}) here.

    state: held; coming (asked for; `missing_at`: when the node below last said it lacks it,
    '' if it never did); not_asked.
    """
    row = blobs.row(conn, full["sha256"])
    state = "held" if row and row["complete"] else "coming" if row else "not_asked"
    return {"sha256": full["sha256"], "size": full["size"], "state": state, "have": row["have"] if row else 0,
            "missing_at": row["missing_at"] if row and state == "coming" else ""}


def send_paper(kept, doc):
    """The response for a kept paper KEPT of DOC: its PDF, shown in the browser to print."""
    return send_file(io.BytesIO(kept["pdf"]), mimetype="application/pdf", as_attachment=False,
                     download_name=f"{kept['kind']}-{doc['tracking_code']}.pdf", etag=kept["sha256"])


def cases_blueprint(staff, deciders, extras=None):
    """The `cases` blueprint: STAFF roles may look, DECIDERS may act (decisions narrows it further).

    EXTRAS(conn, doc, user): more for a case's page that only this tier knows (the county's 督办 texts).
    """
    bp = Blueprint("cases", __name__)
    bp.record_once(lambda state: state.app.extensions.__setitem__("sanji_case_extras", extras))

    @bp.get("/cases/find")
    @roles(*staff)
    def find_page():
        """Find a case by tracking code or the applicant's ID number (one found: its page)."""
        q = request.args.get("q", "")
        found, error = [], ""
        if q.strip():
            try:
                found = find_cases(get_db(), q, g.user)
            except SanjiError as exc:
                error = exc.message
        if len(found) == 1:
            return redirect(url_for("cases.detail", app_id=found[0]["id"]))
        return render_template("cases/find.html", q=q, found=found, error=error, state_label=label)

    @bp.get("/cases/<app_id>")
    @roles(*staff)
    def detail(app_id):
        """One application: applicant, answers, materials, timeline and the actions open to this user."""
        return render_detail(app_id)

    @bp.post("/cases/<app_id>/act")
    @roles(*deciders)
    def act_page(app_id):
        """Take one action (accept, request a supplement, pass a step, escalate, approve, …)."""
        form = {k: v for k, v in request.form.items() if k not in ("csrf_token", "action")}
        action = parse_action(request.form.get("action", ""), form)
        try:
            act(get_db(), current_app.config["SANJI"], app_id, g.user, action, form)
        except SanjiError as exc:
            errors = dict(getattr(exc, "fields", {}) or {"action": exc.message})
            return render_detail(app_id, errors=errors, status=exc.http_status, form=form,
                           chosen=request.form.get("action", ""))
        return redirect(url_for("cases.detail", app_id=app_id, done=action))

    @bp.post("/cases/<app_id>/rate")
    @roles(*TOWNSHIP_CASEWORKERS)
    def rate_page(app_id):
        """Record the person's rating (好差评) given at the window."""
        try:
            rate_at_window(get_db(), current_app.config["SANJI"], app_id, g.user, request.form.get("level"),
                           request.form.get("comment", ""))
        except SanjiError as exc:
            errors = dict(getattr(exc, "fields", {}) or {"level": exc.message})
            return render_detail(app_id, errors=errors, status=exc.http_status, form=dict(request.form))
        return redirect(url_for("cases.detail", app_id=app_id, done="rated"))

    @bp.get("/cases/<app_id>/papers/<event_id>.pdf")
    @roles(*staff)
    def paper_pdf(app_id, event_id):
        """One of the case's papers (受理通知书, 一次性告知书, 不予受理决定书, 收件回执) as PDF, to print."""
        conn = get_db()
        doc = open_case(conn, applications.get(conn, app_id), g.user, "paper")
        return send_paper(papers.paper(conn, current_app.config["SANJI"], doc, event_id), doc)

    @bp.get("/cases/blob/<sha>")
    @roles(*staff)
    def blob(sha):
        """A photo or scan of a material held here."""
        conn = get_db()
        if len(sha) != 64 or not blobs.is_complete(conn, sha):
            raise NotFound("这份材料还没有传到本机 / this material has not arrived yet",
                           fix="it comes with the next sync from below; reload in a while")
        docs = [applications.get(conn, app_id) for app_id in blobs.referring_apps(conn, sha)]
        if not docs:
            raise NotFound("这份材料不属于任何申请 / this material belongs to no application")
        allowed = [d for d in docs if decisions.may_view(d, user_roles(g.user))]
        open_case(conn, (allowed or docs)[0], g.user, "material")
        return send_file(blobs.path_of(current_app.config["SANJI"].data_dir, sha), mimetype="image/jpeg")

    @bp.post("/cases/<app_id>/full/<sha>")
    @roles(*staff)
    def full_page(app_id, sha):
        """Ask for the full copy of one photo (a reviewer cannot read the review copy)."""
        ask_full_copy(get_db(), current_app.config["SANJI"], app_id, sha, g.user)
        return redirect(url_for("cases.detail", app_id=app_id, _anchor=f"m-{sha[:12]}"))

    @bp.post("/api/v1/cases/<app_id>/materials/<sha>/full")
    @roles(*staff)
    @api("Ask for the full copy of one of the application's photos; returns {sha256, size, state, have}",
         tag="cases")
    def full_api(app_id, sha):
        """JSON: the full copy's state (held, or coming: pulled before any other photo)."""
        return jsonify(ask_full_copy(get_db(), current_app.config["SANJI"], app_id, sha, g.user))

    @bp.get("/api/v1/cases/<app_id>")
    @roles(*staff)
    @api("One application: projection, every event, and the actions open to the caller", tag="cases")
    def one(app_id):
        """JSON: doc, events and available actions."""
        conn = get_db()
        doc = open_case(conn, applications.get(conn, app_id), g.user)
        return jsonify({"application": doc, "events": timeline_of(conn, doc),
                        "actions": decisions.available(doc, current_app.config["SANJI"]["code"], user_roles(g.user))})

    @bp.post("/api/v1/cases/<app_id>/actions")
    @roles(*deciders)
    @api("Take an action offered for the application: {action, step?, resolution?, department?, reason?, missing?, "
         "note?, answer?}",
         tag="cases", request_body={"type": "object", "required": ["action"], "properties": {
             "action": {"type": "string"}, "step": {"type": "string"}, "reason": {"type": "string"},
             "missing": {"type": "array", "items": {"type": "string"}}, "note": {"type": "string"},
             "resolution": {"type": "string", "enum": list(RESOLUTIONS)}, "answer": {"type": "string"},
             "department": {"type": "string", "description": "with resolution routed: the county department"}}})
    def act_api(app_id):
        """JSON: the application after the action."""
        body = json_object()
        if not isinstance(body.get("action", ""), str):
            raise ValidationError("请选择要办理的事项 / action must be text", fields={"action": "请选择一项"})
        form = {k: v for k, v in body.items() if k != "action"}
        action = parse_action(body.get("action", "").strip(), form)
        return jsonify({"application": act(get_db(), current_app.config["SANJI"], app_id, g.user, action, form)})

    @bp.post("/api/v1/cases/<app_id>/rating")
    @roles(*TOWNSHIP_CASEWORKERS)
    @api("Record the rating the applicant gave at this township's window: {level 1–5, comment?}", tag="cases",
         request_body={"type": "object", "required": ["level"], "properties": {
             "level": {"type": "integer", "minimum": 1, "maximum": 5}, "comment": {"type": "string"}}})
    def rate_api(app_id):
        """JSON: the application after the rating."""
        body = json_object()
        return jsonify({"application": rate_at_window(get_db(), current_app.config["SANJI"], app_id, g.user,
                                                      body.get("level"), body.get("comment", ""))})

    return bp


def render_detail(app_id, errors=None, status=200, form=None, chosen=""):
    """The page of one case (with ERRORS of a refused post, its FORM and CHOSEN action kept), as (html, STATUS)."""
    conn = get_db()
    me = current_app.config["SANJI"]["code"]
    doc = open_case(conn, applications.get(conn, app_id), g.user)
    held = {m["sha256"]: blobs.is_complete(conn, m["sha256"]) for m in doc.get("materials", [])
            if isinstance(m, dict) and m.get("sha256")}
    fulls = {m["sha256"]: full_copy_state(conn, m["full"]) for m in doc.get("materials", [])
             if isinstance(m, dict) and isinstance(m.get("full"), dict)}
    steps_due = step_deadlines(doc, cal_store.load_cached(conn))
    extras = current_app.extensions.get("sanji_case_extras")
    actions, voice = decisions.available(doc, me, user_roles(g.user)), is_voice(doc)
    return render_template("cases/detail.html", doc=doc, events=timeline_of(conn, doc), held=held, fulls=fulls, steps_due=steps_due,
                           actions=actions, needed={f for a in actions for f in decisions.fields_of(a, voice)},
                           labels=catalog.field_labels(conn, doc["item"]["code"]), errors=errors or {},
                           form=form or {}, done=request.args.get("done", ""), state_label=label, me=me,
                           departments=catalog.departments(conn), levels=ratings.LEVELS, voice=voice,
                           may_rate=window_may_rate(doc, me, g.user), chosen=chosen, hands_off=hands_off(me, g.user),
                           papers=papers.listed(conn, doc), may_urge=urging.may_urge(doc, me, g.user["roles"]),
                           urge_kinds=urging.KINDS, fields_of=decisions.fields_of,
                           **(extras(conn, doc, g.user) if extras else {})), status
