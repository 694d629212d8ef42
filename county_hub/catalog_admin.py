"""Catalog items edited one by one on the web (/admin/catalog/items): list, edit, add, retire.

Each save is a new catalog version, validated as a whole like an import, audited and published
down the tree in one transaction (common/usecases/catalog.py). The form carries the version it was opened on, so two administrators editing at
the same time cannot overwrite each other silently; a refused save shows the form again with
everything typed in it.
"""
from flask import Blueprint, current_app, g, redirect, render_template, request, url_for

from common.domain import catalog_edit
from common.errors import SanjiError
from common.store import catalog
from common.usecases import catalog as usecase
from common.web import get_db, roles


def _me():
    return current_app.config["SANJI"]["code"]


def _form_page(conn, form, code, error=None):
    return render_template("county/admin_item.html", form=form, code=code, error=error,
                           departments=catalog.departments(conn), base=form.get("base_version")), \
        (error.http_status if error else 200)


# The `county_items` blueprint (administrators only).
bp = Blueprint("county_items", __name__, url_prefix="/admin/catalog/items")


@bp.get("/")
@roles("admin")
def list_items():
    """Every item of the current catalog, filtered by department; links to edit or add."""
    conn = get_db()
    dept = request.args.get("department") or None
    return render_template("county/admin_items.html", items=catalog.items(conn, department=dept),
                           departments=catalog.departments(conn), department=dept or "",
                           version=catalog.current_version(conn), done=request.args.get("done", ""))


@bp.route("/new", methods=["GET", "POST"])
@roles("admin")
def new_item():
    """A new item (blank, or a copy of ?from=CODE with its code cleared)."""
    conn = get_db()
    if request.method == "GET":
        start = dict(catalog.item(conn, request.args["from"])) if request.args.get("from") else \
            dict(catalog_edit.BLANK)
        start["code"] = ""
        form = dict(catalog_edit.form_of(start), base_version=str(catalog.current_version(conn)))
        return _form_page(conn, form, None)
    form = request.form.to_dict()
    try:
        version = usecase.save_item(conn, _me(), g.user["username"], form)
    except SanjiError as exc:
        return _form_page(conn, form, None, exc)
    return redirect(url_for("county_items.list_items", done=f"{form.get('code')}:{version}"))


@bp.route("/<code>", methods=["GET", "POST"])
@roles("admin")
def edit_item(code):
    """Edit item CODE; saving makes and publishes a new catalog version."""
    conn = get_db()
    if request.method == "GET":
        form = dict(catalog_edit.form_of(catalog.item(conn, code)), base_version=str(catalog.current_version(conn)))
        return _form_page(conn, form, code)
    form = request.form.to_dict()
    try:
        version = usecase.save_item(conn, _me(), g.user["username"], form, replacing=code)
    except SanjiError as exc:
        return _form_page(conn, form, code, exc)
    return redirect(url_for("county_items.list_items", done=f"{form.get('code')}:{version}"))


@bp.post("/<code>/retire")
@roles("admin")
def retire_item(code):
    """Take item CODE out of the catalog (applications already made keep their copy of it)."""
    version = usecase.retire_item(get_db(), _me(), g.user["username"], code, request.form.get("base_version", "0"))
    return redirect(url_for("county_items.list_items", done=f"-{code}:{version}"))
