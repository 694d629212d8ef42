"""The quarantine page (/admin/quarantine) and its JSON twin: what could not be applied, and why; retry or drop.

Registered by every tier. The actions are the same use cases `sanji sync quarantine …` calls
(sync/quarantine.py), audited with the administrator's name.
"""
import json

from flask import Blueprint, current_app, g, jsonify, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from common.errors import NotFound, ValidationError
from common.node import shared_clock
from common.web import api, get_db, roles

from . import quarantine, store

PAGE = 100


def _int_arg(name: str) -> int | None:
    raw = request.args.get(name, "")
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 18:
        raise ValidationError(f"{name} 必须是正整数 / {name} must be a whole number", fix="use the page's links")
    return int(raw)


def _qid(text: str) -> int:
    if not (text.isascii() and text.isdigit()) or len(text) > 18:
        raise NotFound(f"没有编号为 {text[:20]} 的隔离消息 / no such quarantined message", fix="open it from the list")
    return int(text)


def quarantine_blueprint() -> Blueprint:
    """A fresh blueprint (one per app: nothing module-level is shared between apps)."""
    bp = Blueprint("quarantine", __name__, template_folder="templates")

    @bp.get("/admin/quarantine")
    @roles("admin")
    def page() -> str:
        """Quarantined messages, newest first, a page at a time, of one link if asked; with each link's totals."""
        conn = get_db()
        link, before = (request.args.get("link") or "")[:32], _int_arg("before")
        rows = store.quarantined(conn, PAGE, link or None, before)
        return render_template("quarantine.html", rows=rows, links=store.quarantine_by_link(conn), link=link,
                               bound=store.MAX_QUARANTINED, more=len(rows) == PAGE,
                               message=request.args.get("done"))

    @bp.get("/admin/quarantine/<qid>")
    @roles("admin")
    def detail(qid: str) -> str:
        """One quarantined message with its body decoded where it can be."""
        row = quarantine.show(get_db(), _qid(qid))
        body = json.dumps(row["decoded"], ensure_ascii=False, indent=2, default=str)[:20000] \
            if row["decoded"] is not None else None
        return render_template("quarantine_detail.html", row=row, body=body,
                               truncated=row["reason"].endswith(quarantine.TRUNCATED))

    @bp.post("/admin/quarantine/<qid>/retry")
    @roles("admin")
    def retry(qid: str) -> Response:
        """Apply it again, with every check it met the first time."""
        conn, cfg = get_db(), current_app.config["SANJI"]
        quarantine.retry(conn, cfg["code"], shared_clock(conn, cfg), _qid(qid), g.user["username"])
        return redirect(url_for("quarantine.page", done=f"#{qid} 已重新应用 / applied"))

    @bp.post("/admin/quarantine/<qid>/drop")
    @roles("admin")
    def drop(qid: str) -> Response:
        """Remove it for good (audited with its reason)."""
        quarantine.drop(get_db(), _qid(qid), g.user["username"])
        return redirect(url_for("quarantine.page", done=f"#{qid} 已删除 / dropped"))

    @bp.get("/api/v1/quarantine")
    @roles("admin")
    @api("Quarantined sync messages, newest first (100; ?link= and ?before= page through them)", tag="sync")
    def listing_api() -> Response:
        """The quarantine as JSON, without bodies."""
        link, before = (request.args.get("link") or "")[:32], _int_arg("before")
        conn = get_db()
        return jsonify({"links": store.quarantine_by_link(conn), "bound_per_link": store.MAX_QUARANTINED,
                        "messages": store.quarantined(conn, PAGE, link or None, before)})

    return bp
