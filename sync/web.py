"""The enrolment and link page (/admin/nodes) and its JSON twin; registered by tiers with children."""
from flask import Blueprint, current_app, g, jsonify, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from common.domain.nodes import is_child
from common.errors import NotFound, ValidationError
from common.store import audit, sync_status
from common.store.db import transaction
from common.web import api, get_db, roles

from . import store

bp = Blueprint("nodes", __name__, template_folder="templates")
ACTIONS = {"accept": "accepted", "reject": "rejected", "revoke": "revoked"}


@bp.get("/admin/nodes")
@roles("admin")
def page() -> str:
    """Pending, accepted and refused child keys, every link's status, and recent refusals."""
    conn = get_db()
    return render_template("nodes.html", nodes=store.nodes(conn), status=sync_status.status(conn),
                           refusals=store.refusals(conn, 20), message=request.args.get("done"))


@bp.post("/admin/nodes/<fingerprint>/<action>")
@roles("admin")
def decide(fingerprint: str, action: str) -> Response:
    """Accept (with the child's code), reject or revoke a key."""
    conn = get_db()
    if action not in ACTIONS:
        raise NotFound(f"没有操作 {action!r} / no such action", fix="accept, reject or revoke")
    rows = [r for r in store.nodes(conn) if r["fingerprint"] == fingerprint]
    if not rows:
        raise NotFound("没有这个密钥 / no such key", fix="reload the page")
    row = rows[0]
    code = (request.form.get("code") or row["code"] or "").strip()
    me = current_app.config["SANJI"]["code"]
    if action == "accept" and not is_child(code, me):
        raise ValidationError(f"{code!r} 不是本节点的下级区划代码 / not a child of {me}",
                              fix="enter the child's division code, as shown by `sanji keys show` on it",
                              fields={"code": "请填写下级节点的区划代码"})
    with transaction(conn):
        store.decide(conn, row["public_key"], ACTIONS[action], code)
        audit.record(conn, g.user["username"], f"node.{ACTIONS[action]}", code or fingerprint,
                     {"fingerprint": fingerprint}, request.remote_addr or "")
    return redirect(url_for("nodes.page", done=f"{fingerprint} → {ACTIONS[action]}"))


@bp.get("/api/v1/nodes")
@roles("admin")
@api("Child node keys (pending, accepted, rejected, revoked) with fingerprints", tag="sync", returns="array")
def nodes_api() -> Response:
    """The registry as JSON (public keys included: they are public)."""
    return jsonify(store.nodes(get_db()))
