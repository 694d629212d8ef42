"""build_app: the Flask app every tier starts from — sessions, access rules, CSRF, errors, i18n."""
import hmac
import json
import logging
import secrets
from datetime import timedelta
from pathlib import Path

from flask import Flask, current_app, g, jsonify, render_template, request, session
from flask.json.provider import DefaultJSONProvider
from jinja2 import ChoiceLoader, FileSystemLoader
from werkzeug.exceptions import HTTPException

from .. import __version__, audit_actions, clock as clock_mod, config as config_mod, i18n
from .. import roles as roles_mod
from ..errors import CsrfFailed, SanjiError, describe, http_status
from ..node import open_db
from ..store import meta, sync_status, users
from ..tiers import load_tier
from . import access
from .consult_api import bp as consult_blueprint, pages as consult_pages_blueprint, register_live_handlers
from .context import csrf_token, get_db, home_url, lang, place, place_name
from .sessions import ServerSessionInterface
from .views import bp as base_views

HERE = Path(__file__).parent
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def _check_csrf():
    if request.method not in UNSAFE or request.endpoint is None:
        return
    view = current_app.view_functions.get(request.endpoint)
    exempt = getattr(view, "_sanji_csrf_exempt", False)
    if exempt is True or (exempt == "anonymous" and not g.get("user")):
        return
    sent = request.headers.get("X-CSRF-Token") or request.form.get("csrf_token", "")
    expected = session.get("csrf", "")
    if not expected or not hmac.compare_digest(str(sent), expected):
        raise CsrfFailed("表单已过期或来源不明，请刷新页面后重试 / the form expired or did not come from this site",
                         fix="刷新页面后重新提交 / reload the page and submit again")


def _load_user():
    g.user = None
    uid = session.get("uid")
    if uid is not None:
        user = users.by_id(get_db(), uid)
        if user and not user["disabled"]:
            g.user = user
        else:
            session.revoke()


def link_summary():
    """The link banner's facts: the parent link (if any), children up/total, quarantined count."""
    conn = get_db()
    links = sync_status.links(conn)  # every staff page shows it: not the photo queues (a scan each)
    parent = next((ln for ln in links if ln["link"] == "up"), None)
    if parent is None and current_app.config["SANJI"]["parent"]:
        parent = {"link": "up", "state": "down", "since": None, "queue_out": 0}  # never reached yet
    children = [ln for ln in links if ln["link"] != "up"]
    return {"parent": parent, "children_up": sum(ln["state"] == "up" for ln in children),
            "children": len(children), "quarantined": sync_status.quarantined(conn),
            "alarms": sync_status.alarms(links), "queue_out": sum(ln["queue_out"] for ln in links)}


MAX_JSON_DEPTH = 32       # no request body of ours nests deeper; deeper ones made every JSON view a 500
MAX_JSON_BODY = 1024 * 1024  # bytes of a JSON request body (photos come as multipart, not JSON)


class BoundedJSON(DefaultJSONProvider):
    """Flask's JSON, refusing request bodies that are too large or nest too deep before parsing them."""

    def loads(self, s, **kwargs):
        """Parse S, or ValueError (so get_json(silent=True) is None and a view says what it needs)."""
        text = s.decode("utf-8", "replace") if isinstance(s, (bytes, bytearray)) else s
        if len(text) > MAX_JSON_BODY or _depth(text) > MAX_JSON_DEPTH:
            raise ValueError("JSON body too large or nested too deep")
        return super().loads(s, **kwargs)


def _depth(text):
    # Brackets outside strings, counted without recursion.
    depth = deepest = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > MAX_JSON_DEPTH:
                    return deepest
        elif ch in "]}":
            depth -= 1
    return deepest


def _wants_json():
    return request.path.startswith("/api/") or request.path == "/healthz" or \
        request.accept_mimetypes.best == "application/json"


def _error_page(error, text, status):
    # A blueprint may give its pages their own error page (the kiosk keeps its big buttons).
    template = "error.html"
    for prefix, name in current_app.config.get("SANJI_ERROR_PAGES", {}).items():
        if request.path.startswith(prefix):
            template = name
    return render_template(template, error=error, text=text), status


def _handle_error(exc):
    status = http_status(exc)
    if status >= 500:
        logging.getLogger("sanji.web").exception("error answering %s %s", request.method, request.path)
    if not isinstance(exc, SanjiError):
        exc = SanjiError("服务器内部错误，请稍后重试 / internal error", fix="try again; if it persists, tell the administrator")
    if _wants_json():
        return jsonify(exc.to_dict()), status
    return _error_page(exc, describe(exc), status)


def _http_error(exc):
    """A SanjiError with a fix for Werkzeug's HTTP errors people meet (an upload too large, a wrong address)."""
    if exc.code == 413:
        limit = request.max_content_length or 0
        return SanjiError(f"上传的文件太大（超过 {limit // 1024 // 1024} MB）/ the upload is too large",
                          fix="请重新拍一张，或选择小一些的照片 / take the photo again or choose a smaller file")
    if exc.code == 404:
        return SanjiError("没有这个页面 / there is no page at this address", fix="回到首页重新开始 / start again from the home page")
    if exc.code == 405:
        allowed = ", ".join(sorted(getattr(exc, "valid_methods", None) or []))
        return SanjiError(f"这个地址不接受 {request.method} 请求 / this address does not take {request.method}",
                          fix=f"use {allowed or 'the method the API document names'} (see /api/v1/openapi.json)")
    return SanjiError(exc.description, fix="see /api/v1/openapi.json for what each address takes")


def _security_headers(response):
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; object-src 'none'; "
        "frame-ancestors 'none'; base-uri 'self'; form-action 'self'")
    if request.endpoint != "static":
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def build_app(cfg, template_folder=None):
    """The base Flask app for the node described by CFG (a Config or a data folder), of the tier its config
    names: a tier's create_app adds its blueprints to it."""
    if not isinstance(cfg, config_mod.Config):
        cfg = config_mod.load(cfg)
    tier = load_tier(cfg["tier"])  # by name, as the runner finds it: the tier's app.py need not import its Tier
    clock_mod.for_config(cfg)  # a malformed clock file stops start-up here, with its fix
    conn = open_db(cfg, tier)  # migrate once, at start-up, not per request
    secret = meta.get(conn, "secret_key") or secrets.token_hex(32)
    node_name = meta.get(conn, "name", cfg["name"])
    conn.close()
    app = Flask(tier.name, template_folder=str(HERE / "templates"), static_folder=str(HERE / "static"))
    app.json = BoundedJSON(app)
    if template_folder:
        app.jinja_loader = ChoiceLoader([FileSystemLoader(str(template_folder)), app.jinja_loader])
    app.config.update(SANJI=cfg, SANJI_TIER=tier.name, SANJI_HOME=tier.home, SECRET_KEY=secret,
                      MAX_CONTENT_LENGTH=32 * 1024 * 1024, JSON_AS_ASCII=False)
    app.json.ensure_ascii = False
    app.session_interface = ServerSessionInterface(
        get_db, timedelta(minutes=cfg["session_idle_minutes"]), timedelta(hours=cfg["session_absolute_hours"]),
        cfg["secure_cookies"])

    @app.before_request
    def _before():
        _load_user()
        redirect_or_none = access.enforce()
        if redirect_or_none is not None:
            return redirect_or_none
        _check_csrf()
        return None

    @app.teardown_appcontext
    def _close(_exc):
        conn = g.pop("db", None)
        if conn is not None:
            conn.close()

    @app.context_processor
    def _globals():
        current = lang()
        return {"_": lambda key, **kw: i18n.translate(key, current, **kw), "lang": current,
                "csrf_token": csrf_token, "node": {"name": node_name, "code": cfg["code"], "tier": tier.name},
                "user": g.get("user"), "version": __version__, "link_summary": link_summary,
                "business_clock": lambda: clock_mod.for_config(cfg),
                "consult_ice": lambda: json.dumps(config_mod.ice_servers(cfg)),
                "children": lambda: [ln["link"] for ln in sync_status.links(get_db()) if ln["link"] != "up"],
                "place": place, "place_name": place_name, "home_url": home_url}

    app.add_template_filter(clock_mod.china_text, "china")  # stored times are UTC; people read China time
    # Errors are written "中文 / English" (logs and API clients read both); a page shows its language only.
    app.add_template_filter(lambda text: i18n.pick(text, lang()), "pick")
    app.add_template_filter(lambda text: i18n.for_villager(text, lang()), "for_villager")
    # A catalog entry's words in the page's language: {{ m|local('name') }} (English when given, else Chinese).
    app.add_template_filter(lambda entry, key="name": i18n.local(entry, key, lang()), "local")
    app.add_template_filter(lambda role: roles_mod.label(role, lang()), "role")  # 县部门审批人员, not county_approver
    # 审批环节通过, not application.step_passed (the code stays in the cell's title for searching).
    app.add_template_filter(lambda code: audit_actions.label(code, lang()), "audit_action")
    app.register_error_handler(Exception, _handle_error)

    @app.errorhandler(HTTPException)
    def _http(exc):
        if _wants_json():
            err = _http_error(exc)
            return jsonify(dict(err.to_dict(), error=exc.name.lower().replace(" ", "_"))), exc.code
        return _error_page(_http_error(exc), exc.description, exc.code)

    app.after_request(_security_headers)
    app.register_blueprint(base_views)
    app.register_blueprint(consult_blueprint)
    app.register_blueprint(consult_pages_blueprint)
    register_live_handlers(cfg)
    return app
