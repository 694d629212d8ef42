"""County administration on the web: import and publish the catalog, edit the calendar, staff accounts.

What the CLI does (`sanji catalog import`, `sanji calendar …`, `sanji users …`), for an
administrator without a shell, through the same functions (common/usecases/, common/accounts.py):
a catalog or calendar change is audited and published down the tree in one transaction;
children offline get it at their next hello.
"""
from flask import Blueprint, current_app, g, redirect, render_template, request, url_for

from common import clock as business_clock
from common import accounts
from common.errors import SanjiError, ValidationError
from common.roles import roles_for_tier
from common.store import catalog, users
from common.store import calendar as cal_store
from common.usecases import calendar as calendar_usecase
from common.usecases import catalog as catalog_usecase
from common.web import get_db, roles

MAX_CATALOG_BYTES = 2 * 1024 * 1024


def _upload(upload):
    """The bytes of an uploaded catalog file; ValidationError when there is none or it is too large."""
    if upload is None or not upload.filename:
        raise ValidationError("请选择目录文件 / choose a catalog file", fix="YAML or CSV, as docs/catalog.md describes")
    data = upload.read(MAX_CATALOG_BYTES + 1)
    if len(data) > MAX_CATALOG_BYTES:
        raise ValidationError("目录文件太大 / the file is too large", fix="at most 2 MB")
    return data


# The `county_admin` blueprint under /admin (administrators only).
bp = Blueprint("county_admin", __name__, url_prefix="/admin", template_folder="templates")


@bp.route("/catalog", methods=["GET", "POST"])
@roles("admin")
def catalog_page():
    """The catalog's versions; upload a YAML or CSV file to import and publish a new one."""
    conn = get_db()
    error, done = None, request.args.get("done", "")
    if request.method == "POST":
        try:
            version, _ = catalog_usecase.import_file(conn, current_app.config["SANJI"]["code"], g.user["username"],
                                                     _upload(request.files.get("file")),
                                                     request.files["file"].filename, f"web:{g.user['username']}")
            return redirect(url_for("county_admin.catalog_page", done=str(version)))
        except SanjiError as exc:
            error = exc
    return render_template("county/admin_catalog.html", versions=catalog.versions(conn), error=error, done=done,
                           current=catalog.current_version(conn)), 400 if error else 200


@bp.route("/calendar", methods=["GET", "POST"])
@roles("admin")
def calendar_page():
    """One year's holidays and make-up workdays; add or remove a day, then it is published."""
    conn = get_db()
    error = None
    try:
        year = int(request.values.get("year") or business_clock.today(current_app.config["SANJI"]).year)
    except ValueError:
        year = business_clock.today(current_app.config["SANJI"]).year
    if request.method == "POST":
        try:
            day = calendar_usecase.edit_day(conn, current_app.config["SANJI"]["code"], g.user["username"],
                                            request.form.get("day", ""), request.form.get("kind"),
                                            request.form.get("name", ""))
            return redirect(url_for("county_admin.calendar_page", year=day.year))
        except SanjiError as exc:
            error = exc
    return render_template("county/admin_calendar.html", year=year, days=cal_store.days_of_year(conn, year),
                           published=cal_store.is_published(conn, year), error=error), 400 if error else 200


@bp.route("/staff", methods=["GET", "POST"])
@roles("admin")
def staff_page():
    """Staff accounts with their roles (per department for approvers); add one."""
    conn = get_db()
    error = None
    if request.method == "POST":
        role, dept = request.form.get("role", ""), request.form.get("department", "")
        try:
            accounts.add_user(conn, "county", request.form.get("username", ""), request.form.get("display_name", ""),
                              request.form.get("password", ""), [f"{role}:{dept}" if dept else role],
                              actor=g.user["username"], must_change=True, phone=request.form.get("phone", "")[:40])
            return redirect(url_for("county_admin.staff_page"))
        except SanjiError as exc:
            error = exc
    # A refused account is shown back as typed (but for its password), to be corrected, not retyped.
    typed = {k: request.form.get(k, "")[:100] for k in ("username", "display_name", "phone", "role", "department")} \
        if error else {}
    return render_template("county/admin_staff.html", people=users.all_users(conn), error=error, typed=typed,
                           reset=request.args.get("reset", ""),
                           roles=roles_for_tier("county"), departments=catalog.departments(conn)), \
        400 if error else 200


@bp.post("/staff/<username>/<action>")
@roles("admin")
def staff_switch(username, action):
    """Disable or re-enable an account (its sessions end with it)."""
    if action not in ("disable", "enable"):
        raise ValidationError("只能停用或启用 / disable or enable only")
    if username == g.user["username"]:
        raise ValidationError("不能停用自己的账号 / you cannot disable your own account",
                              fix="ask another administrator")
    accounts.set_disabled(get_db(), username, action == "disable", actor=g.user["username"])
    return redirect(url_for("county_admin.staff_page"))


@bp.post("/staff/<username>/phone")
@roles("admin")
def staff_phone(username):
    """Set or clear an account's mobile number (texted with a supervisor's 督办 for its department)."""
    try:
        accounts.set_phone(get_db(), username, request.form.get("phone", "")[:40], actor=g.user["username"])
    except SanjiError as exc:
        conn = get_db()
        return render_template("county/admin_staff.html", people=users.all_users(conn), error=exc, reset="",
                               typed={}, typed_phone=(username, request.form.get("phone", "")[:40]),
                               roles=roles_for_tier("county"), departments=catalog.departments(conn)), \
            exc.http_status
    return redirect(url_for("county_admin.staff_page"))


@bp.post("/staff/<username>/password")
@roles("admin")
def staff_password(username):
    """Give an account a temporary password (changed at its next sign-in); its sessions end."""
    try:
        accounts.reset_password(get_db(), username, request.form.get("password", ""), actor=g.user["username"],
                                must_change=username != g.user["username"])
    except SanjiError as exc:
        conn = get_db()
        return render_template("county/admin_staff.html", people=users.all_users(conn), error=exc, reset="",
                               typed={}, roles=roles_for_tier("county"), departments=catalog.departments(conn)), \
            exc.http_status
    return redirect(url_for("county_admin.staff_page", reset=username))
