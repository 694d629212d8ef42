"""The township window console (乡镇窗口): the inbox with the villages' links, and walk-ins.

One application's page and its actions are the shared casework pages (`common.web.cases`).
"""
from flask import Blueprint, current_app, g, redirect, render_template, request, url_for

from common import clock as business_clock
from common import paging, uscc
from common.domain import submission
from common.domain.application import label
from common.domain.states import TOWNSHIP_FILTER
from common.errors import SanjiError
from common.roles import TOWNSHIP_CASEWORKERS, TOWNSHIP_CONSOLE
from common.store import catalog
from common.store import calendar as cal_store
from common.web import get_db, roles
from common.web.notice_views import only_publishes

from . import intake, window_store

DUE_SOON_DAYS = 3


def me():
    """This township's node code."""
    return current_app.config["SANJI"]["code"]


def due_soon_date(conn):
    """The last day counted as "due soon": DUE_SOON_DAYS working days from today."""
    return cal_store.load_cached(conn).add_working_days(business_clock.today(current_app.config["SANJI"]), DUE_SOON_DAYS).isoformat()


def filters_from(args, conn):
    """The inbox filters in ARGS (query string), normalised."""
    scope = args.get("scope") if args.get("scope") in window_store.SCOPES else "mine"
    return {"scope": scope, "item": args.get("item") or None, "origin": args.get("origin") or None,
            "state": args.get("state") or None, "due_by": due_soon_date(conn) if args.get("due") == "soon" else None}


# The township's `tier` blueprint: the window console at /.
bp = Blueprint("tier", __name__, template_folder="templates")


@bp.get("/")
@roles(*TOWNSHIP_CONSOLE, "publisher")
def home():
    """The inbox, filtered by scope, item, village, state and due soon."""
    if only_publishes(g.user):
        return redirect(url_for("notices.page"))
    conn = get_db()
    f = filters_from(request.args, conn)
    page = paging.number(request.args)
    limit, offset = paging.window(page)
    rows, more = paging.split(window_store.inbox(conn, me(), **f, limit=limit, offset=offset,
                                                 today=business_clock.today(current_app.config["SANJI"])))
    return render_template("window/inbox.html", rows=rows, f=f, page=page, more=more,
                           due=request.args.get("due", ""), items=catalog.items(conn),
                           origins=window_store.origins(conn),
                           villages=window_store.villages(conn), state_label=label, me=me(),
                           filter_states=TOWNSHIP_FILTER)


@bp.route("/window/walk-in", methods=["GET", "POST"])
@roles(*TOWNSHIP_CASEWORKERS)
def walk_in():
    """One-window intake: choose the item, then one page with the applicant, the answers and the scans."""
    conn = get_db()
    code = request.values.get("item", "")
    item = catalog.item(conn, code) if code else None
    errors, values = {}, {}
    if request.method == "POST" and item:
        values = {k: v for k, v in request.form.items() if k not in ("csrf_token", "item")}
        keys = ("name", "id_number", "phone") + (submission.COMPANY_KEYS if submission.is_company_item(item) else ())
        applicant = {k: values.pop(k, "") for k in keys}
        files = {int(k[1:]): f.read() for k, f in request.files.items() if k[1:].isdigit() and f.filename}
        try:
            doc = intake.walk_in(conn, current_app.config["SANJI"], code, applicant, values, files,
                                 g.user["username"])
        except SanjiError as exc:
            errors = dict(getattr(exc, "fields", {}) or {"item": exc.message})
            values.update(applicant)
        else:
            return redirect(url_for("cases.detail", app_id=doc["id"], done="walk_in"))
    return render_template("window/walkin.html", uscc_typed_max=uscc.TYPED_MAX, item=item, items=catalog.items(conn), errors=errors,
                           values=values), 400 if errors else 200
