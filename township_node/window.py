"""The township window console (乡镇窗口): inbox, one application with its actions, walk-ins, villages.

Only the actions the catalog's flow, the state, custody and the user's roles allow are shown
(`common.domain.decisions`), and the same rule is applied again when one is posted.
"""
from datetime import date

from flask import Blueprint, current_app, g, redirect, render_template, request, send_file, url_for

from common.domain import decisions
from common.domain.application import CHINA, label
from common.errors import NotFound, SanjiError
from common.store import applications, blobs, catalog
from common.store import calendar as cal_store
from common.web import get_db, roles

from . import intake, window_store

STAFF = ("township_staff", "township_head", "admin")
DUE_SOON_DAYS = 3


def me():
    """This township's node code."""
    return current_app.config["SANJI"]["code"]


def due_soon_date(conn):
    """The last day counted as "due soon": DUE_SOON_DAYS working days from today."""
    return cal_store.load_cached(conn).add_working_days(date.today(), DUE_SOON_DAYS).isoformat()


def filters_from(args, conn):
    """The inbox filters in ARGS (query string), normalised."""
    scope = args.get("scope") if args.get("scope") in window_store.SCOPES else "mine"
    return {"scope": scope, "item": args.get("item") or None, "origin": args.get("origin") or None,
            "state": args.get("state") or None, "due_by": due_soon_date(conn) if args.get("due") == "soon" else None}


def event_time(hlc):
    """YYYY-MM-DD HH:MM (China time) of an HLC timestamp."""
    from datetime import datetime
    return datetime.fromtimestamp(int(hlc[:13]) / 1000, CHINA).strftime("%Y-%m-%d %H:%M")


def parse_action(value, form):
    """ACTION from the radio's VALUE ('step_passed:review', 'escalation_answered:taken'), FORM completed."""
    action, _, extra = str(value).partition(":")
    if extra:
        form["resolution" if action == "escalation_answered" else "step"] = extra
    return action


def timeline_of(conn, doc):
    """Every event of DOC for staff (who did what, when, why), oldest first."""
    return [{"hlc": e["hlc"], "at": event_time(e["hlc"]), "type": e["type"], "label": label(e["type"]), "origin": e["origin"], "actor": e["actor"],
             "reason": e["payload"].get("reason", ""), "missing": e["payload"].get("missing", []),
             "note": e["payload"].get("note", "") or e["payload"].get("answer", "")}
            for e in applications.events(conn, doc["id"])]


def window_blueprint():
    """The township's `tier` blueprint: the window console at /."""
    bp = Blueprint("tier", __name__, template_folder="templates")

    @bp.get("/")
    @roles(*STAFF)
    def home():
        """The inbox, filtered by scope, item, village, state and due soon."""
        conn = get_db()
        f = filters_from(request.args, conn)
        return render_template("window/inbox.html", rows=window_store.inbox(conn, me(), **f), f=f,
                               due=request.args.get("due", ""), items=catalog.items(conn),
                               origins=window_store.origins(conn), counts=window_store.counts(conn, me()),
                               villages=window_store.villages(conn), state_label=label, me=me())

    @bp.get("/window/app/<app_id>")
    @roles(*STAFF)
    def detail(app_id):
        """One application: applicant, answers, materials, timeline and the actions open to this user."""
        return _detail(app_id)

    @bp.post("/window/app/<app_id>/act")
    @roles(*STAFF)
    def act(app_id):
        """Take one action (accept, request a supplement, pass a step, escalate, approve, …)."""
        form = {k: v for k, v in request.form.items() if k not in ("csrf_token", "action")}
        action = parse_action(request.form.get("action", ""), form)
        try:
            intake.act(get_db(), current_app.config["SANJI"], app_id, g.user, action, form)
        except SanjiError as exc:
            errors = dict(getattr(exc, "fields", {}) or {"action": exc.message})
            return _detail(app_id, errors=errors, status=exc.http_status, form=form)
        return redirect(url_for("tier.detail", app_id=app_id, done=action))

    @bp.route("/window/walk-in", methods=["GET", "POST"])
    @roles("township_staff", "township_head")
    def walk_in():
        """One-window intake: choose the item, then one page with the applicant, the answers and the scans."""
        conn = get_db()
        code = request.values.get("item", "")
        item = catalog.item(conn, code) if code else None
        errors, values = {}, {}
        if request.method == "POST" and item:
            values = {k: v for k, v in request.form.items() if k not in ("csrf_token", "item")}
            applicant = {k: values.pop(k, "") for k in ("name", "id_number", "phone")}
            files = {int(k[1:]): f.read() for k, f in request.files.items() if k[1:].isdigit() and f.filename}
            try:
                doc = intake.walk_in(conn, current_app.config["SANJI"], code, applicant, values, files,
                                     g.user["username"])
            except SanjiError as exc:
                errors = dict(getattr(exc, "fields", {}) or {"item": exc.message})
                values.update(applicant)
            else:
                return redirect(url_for("tier.detail", app_id=doc["id"], done="walk_in"))
        return render_template("window/walkin.html", item=item, items=catalog.items(conn), errors=errors,
                               values=values), 400 if errors else 200

    @bp.get("/window/blob/<sha>")
    @roles(*STAFF)
    def blob(sha):
        """A photo or scan of a material held here."""
        if len(sha) != 64 or not blobs.is_complete(get_db(), sha):
            raise NotFound("这份材料还没有传到本机 / this material has not arrived yet",
                           fix="it comes with the village's next sync; reload in a while")
        return send_file(blobs.path_of(current_app.config["SANJI"].data_dir, sha), mimetype="image/jpeg")

    return bp


def _detail(app_id, errors=None, status=200, form=None):
    conn = get_db()
    doc = applications.get(conn, app_id)
    held = {m["sha256"]: blobs.is_complete(conn, m["sha256"]) for m in doc.get("materials", [])
            if isinstance(m, dict) and m.get("sha256")}
    actions = decisions.available(doc, me(), [r for r, _ in g.user["roles"]])
    return render_template("window/detail.html", doc=doc, events=timeline_of(conn, doc), held=held, actions=actions,
                           labels=catalog.field_labels(conn, doc["item"]["code"]),
                           errors=errors or {}, form=form or {}, done=request.args.get("done", ""),
                           state_label=label, me=me()), status
