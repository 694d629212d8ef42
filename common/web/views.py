"""Views every node has: health, OpenAPI, sign-in/out, language switch, catalog API, audit page."""
import secrets
from pathlib import Path
from urllib.parse import urlparse

from flask import (Blueprint, current_app, g, jsonify, redirect, render_template, request, send_from_directory, session,
                   url_for)

from .. import __version__, accounts, paging
from ..errors import SanjiError, ValidationError, describe
from ..roles import OVERSEERS
from ..domain import catalog_search
from ..store import audit, catalog, sync_status
from ..store import meta
from .access import authenticated, csrf_exempt_anonymous, public, roles
from .context import csrf_token, get_db, home_url, lang
from .openapi import api, build_spec

bp = Blueprint("base", __name__)


@bp.get("/favicon.ico")
@public
def favicon():
    """The node's icon (browsers ask for it on every site; a 404 there is noise in every log)."""
    return send_from_directory(Path(__file__).parent / "static", "favicon.svg", mimetype="image/svg+xml", max_age=86400)


@bp.get("/healthz")
@public
@api("Node health: identity, version and whether the database answers", tag="node")
def healthz():
    """Node identity, version and database health (JSON; 503 when the database fails)."""
    cfg = current_app.config["SANJI"]
    body = {"node": cfg["code"], "name": cfg["name"], "tier": cfg["tier"], "version": __version__}
    try:
        conn = get_db()
        conn.execute("SELECT 1 FROM meta LIMIT 1").fetchall()
        body.update(database="ok", catalog_version=catalog.current_version(conn), epoch=meta.get(conn, "epoch"))
        return jsonify(body)
    except Exception as exc:  # the health check reports; it must not raise
        body.update(database=f"error: {exc}")
        return jsonify(body), 503


@bp.get("/api/v1/openapi.json")
@public
@api("This OpenAPI document", tag="node")
def openapi():
    """The OpenAPI document of this node's JSON API."""
    return jsonify(build_spec(f"sanji {current_app.config['SANJI_TIER']} node API"))


@bp.get("/api/v1/sync/status")
@authenticated
@api("Sync links: state and since when, queue depth each way, oldest pending age, quarantine, bytes/s",
     tag="sync")
def sync_status_api():
    """The sync links' status (see common/store/sync_status.py)."""
    return jsonify(sync_status.status(get_db()))


@bp.get("/api/v1/me")
@authenticated
@api("The signed-in staff member, roles and CSRF token for API calls", tag="auth")
def me():
    """The signed-in staff member and a CSRF token for API calls."""
    u = g.user
    return jsonify({"username": u["username"], "display_name": u["display_name"],
                    "roles": [{"role": r, "department": d} for r, d in u["roles"]], "csrf_token": csrf_token(),
                    "must_change_password": bool(u["must_change_password"])})


@bp.get("/api/v1/catalog")
@public
@api("The current service catalog: all items, or those of a department, a life event or a search", tag="catalog",
     query={"department": "department code, e.g. MZ", "life_event": "life event name, e.g. 养老",
            "q": "words, pinyin or pinyin initials (shbzk); every term must match"})
def catalog_list():
    """The current catalog, filtered by department, life event and search words."""
    conn = get_db()
    departments = catalog.departments(conn)
    items = catalog.items(conn, department=request.args.get("department") or None)
    if request.args.get("life_event"):
        items = catalog_search.in_life_event(items, request.args["life_event"])
    if request.args.get("q"):
        items = catalog_search.search(items, request.args["q"][:100], {d["code"]: d["name"] for d in departments})
    return jsonify({"version": catalog.current_version(conn), "departments": departments, "items": items})


@bp.get("/api/v1/catalog/life-events")
@public
@api("Life events (一件事) with how many items each groups", tag="catalog")
def catalog_life_events():
    """The life events of the current catalog, most items first."""
    return jsonify({"life_events": catalog_search.life_events(catalog.items(get_db()))})


@bp.get("/api/v1/catalog/<code>")
@public
@api("One catalog item: materials, form fields, fees, time limits, flow", tag="catalog")
def catalog_item(code):
    """One catalog item in full."""
    return jsonify(catalog.item(get_db(), code))


def _safe_next(target):
    parsed = urlparse(target or "")
    if target and target.startswith("/") and not target.startswith("//") and not parsed.netloc:
        return target
    return home_url()


def _address_guard(cfg):
    # One per app: an address that failed as often as locks an account is refused for 15 minutes,
    # so a stranger can lock at most one colleague's account per address, not every account in turn.
    ext = current_app.extensions
    if "sanji_login_guard" not in ext:
        ext["sanji_login_guard"] = accounts.AddressGuard(max(1, int(cfg["lockout_attempts"])))
    return ext["sanji_login_guard"]


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    """The sign-in form; on success a new session and a redirect to `next`."""
    error = None
    if request.method == "POST":
        cfg = current_app.config["SANJI"]
        try:
            user = accounts.authenticate(get_db(), request.form.get("username", ""), request.form.get("password", ""),
                                         cfg["lockout_attempts"], cfg["lockout_minutes"], request.remote_addr or "",
                                         guard=_address_guard(cfg))
        except SanjiError as exc:
            error = exc
        else:
            keep_lang = session.get("lang")
            session.clear()
            session.regenerate()
            session.update(uid=user["id"], csrf=secrets.token_urlsafe(32))
            if keep_lang:
                session["lang"] = keep_lang
            return redirect(_safe_next(request.args.get("next")))
    status = 200 if error is None else error.http_status
    return render_template("login.html", error=error, error_text=describe(error) if error else "",
                           username=request.form.get("username", "")), status


@bp.post("/api/v1/session")
@public
@csrf_exempt_anonymous
@api("Sign in: JSON {username, password}; answers the user and the CSRF token that every later POST, PUT and "
     "DELETE sends as X-CSRF-Token (the session itself is the cookie this sets)", tag="session")
def api_login():
    """Sign in for API clients (a JSON body only, so no cross-site form can sign a browser in)."""
    if not request.is_json:
        raise ValidationError("请以 JSON 发送用户名和密码 / send the username and password as JSON",
                              fix='POST {"username": "...", "password": "..."} with Content-Type: application/json')
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not all(isinstance(body.get(k), str) for k in ("username", "password")):
        raise ValidationError("需要 username 和 password 两个文本字段 / username and password (text) are required",
                              fields={"username": "必填", "password": "必填"})
    cfg = current_app.config["SANJI"]
    user = accounts.authenticate(get_db(), body["username"], body["password"], cfg["lockout_attempts"],
                                 cfg["lockout_minutes"], request.remote_addr or "", guard=_address_guard(cfg))
    session.clear()
    session.regenerate()
    session.update(uid=user["id"], csrf=secrets.token_urlsafe(32))
    return jsonify({"username": user["username"], "roles": [{"role": r, "department": d} for r, d in user["roles"]],
                    "csrf_token": session["csrf"],
                    "must_change_password": bool(user["must_change_password"])})


@bp.delete("/api/v1/session")
@authenticated
@api("Sign out: ends the session (send X-CSRF-Token)", tag="session")
def api_logout():
    """End the API session."""
    audit.record(get_db(), g.user["username"], "logout", g.user["username"], {}, request.remote_addr or "")
    session.revoke()
    return jsonify({"signed_out": True})


@bp.route("/password", methods=["GET", "POST"])
@authenticated
def password():
    """Change one's own password (required first after an administrator set a temporary one)."""
    error = None
    if request.method == "POST":
        try:
            accounts.change_password(get_db(), g.user, request.form.get("current", ""), request.form.get("new", ""),
                                     request.form.get("confirm", ""))
        except SanjiError as exc:
            error = exc
        else:
            keep = {k: session[k] for k in ("uid", "lang") if k in session}
            session.clear()
            session.regenerate()  # the old token was ended with the user's other sessions
            session.update(keep, csrf=secrets.token_urlsafe(32))
            target = request.args.get("next")
            return redirect(_safe_next(target) if target else url_for("base.password", done=1))
    return render_template("password.html", error=error, temporary=bool(g.user["must_change_password"])), \
        (error.http_status if error else 200)


@bp.post("/logout")
@public
def logout():
    """End the session (server-side) and return to the sign-in page."""
    if g.user:
        audit.record(get_db(), g.user["username"], "logout", g.user["username"], {}, request.remote_addr or "")
    session.revoke()
    return redirect(url_for("base.login", done=1))


@bp.get("/lang/<code>")
@public
def set_language(code):
    """Switch the UI language for this session."""
    if code in ("zh", "en"):
        session["lang"] = code
    return redirect(_safe_next(request.args.get("next")))


@bp.get("/admin/audit")
@roles(*OVERSEERS)
def audit_page():
    """The audit records, newest first, a page at a time (of one person or one target when asked), and
    the hash chain's state: what was added since the last view is verified now, the whole nightly."""
    conn = get_db()
    f = {k: (request.args.get(k) or "").strip()[:100] or None for k in ("actor", "target")}
    chain = audit.check(conn)
    audit.record(conn, g.user["username"], "audit.viewed", "audit_log", {k: v for k, v in f.items() if v},
                 request.remote_addr or "")
    before = paging.number(request.args, "before", last=2 ** 62) if request.args.get("before") else None
    rows, more = paging.split(audit.recent(conn, paging.PAGE + 1, before=before, **f))
    return render_template("audit.html", rows=rows, chain=chain, f=f, before=before, more=more, lang=lang())
