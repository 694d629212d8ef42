"""Who may call which view. Deny by default: a view without a declaration refuses everyone.

Decorate every view with `public`, `authenticated` or `roles(...)`; `csrf_exempt` is for
machine endpoints that take no cookie.
"""
from flask import current_app, g, redirect, request, url_for

from .. import roles as role_names
from ..errors import AuthRequired, Forbidden, PasswordChangeRequired

# What a user with a temporary password may still open: the change form, sign-out, language, "me".
WHILE_TEMPORARY = {"base.password", "base.logout", "base.set_language", "base.me"}
PUBLIC = "public"
AUTHENTICATED = "authenticated"


def public(view):
    """Anyone, signed in or not."""
    view._sanji_access = PUBLIC
    return view


def authenticated(view):
    """Any signed-in staff member."""
    view._sanji_access = AUTHENTICATED
    return view


def roles(*names):
    """Signed-in staff holding at least one of NAMES."""
    def decorate(view):
        view._sanji_access = frozenset(names)
        return view
    return decorate


def csrf_exempt(view):
    """No CSRF token needed (the view takes no cookie-authenticated state change)."""
    view._sanji_csrf_exempt = True
    return view


def csrf_exempt_anonymous(view):
    """No CSRF token needed from callers without a session (kiosk machines); a signed-in caller still sends it."""
    view._sanji_csrf_exempt = "anonymous"
    return view


def rule_of(endpoint):
    """The access rule declared on ENDPOINT's view (None when undeclared)."""
    if endpoint == "static" or endpoint.endswith(".static"):  # the app's and blueprints' own assets
        return PUBLIC
    view = current_app.view_functions.get(endpoint)
    return getattr(view, "_sanji_access", None)


def user_has(user, allowed):
    """True when USER holds one of ALLOWED roles."""
    return bool(user) and any(role in allowed for role, _ in user["roles"])


def enforce():
    """before_request hook: refuse anonymous and wrong-role requests to non-public views."""
    if request.endpoint is None:
        return None  # 404/405 are answered by Flask
    rule = rule_of(request.endpoint)
    if rule == PUBLIC:
        return None
    if rule is None:
        current_app.logger.error("view %s declares no access rule; refusing", request.endpoint)
        raise Forbidden("此页面未声明访问权限，已拒绝 / this page declares no access rule", fix="report this to the developers")
    if not g.user:
        if not request.path.startswith("/api/") and request.method == "GET":
            return redirect(url_for("base.login", next=request.full_path.rstrip("?")))
        raise AuthRequired("请先登录 / please sign in", fix="sign in with a staff account")
    if g.user["must_change_password"] and request.endpoint not in WHILE_TEMPORARY:
        if not request.path.startswith("/api/") and request.method == "GET":
            return redirect(url_for("base.password", next=request.full_path.rstrip("?")))
        raise PasswordChangeRequired("请先修改管理员设置的临时密码 / change the temporary password first",
                                     fix="打开本节点的“修改密码”页面，设置自己的密码 / open /password on this node and choose your own password")
    if rule != AUTHENTICATED and not user_has(g.user, rule):
        zh, en = ("、".join(role_names.label(r, "zh") for r in sorted(rule)),
                  ", ".join(role_names.label(r, "en") for r in sorted(rule)))
        raise Forbidden("您的角色无权使用此功能 / your role does not allow this",
                        fix=f"需要以下角色之一：{zh}，请管理员授予 / needs one of these roles: {en}; ask the administrator")
    return None
