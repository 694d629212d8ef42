"""Public notices on the kiosk (政务公开): the list on show today, one notice to read or have read aloud.

Notices arrive from the township and county over the sync link and are kept in the village's own
database, so they are there with the link down. Public pages: villagers do not sign in.
"""
from flask import Blueprint, current_app, jsonify, render_template

from common import clock as business_clock
from common.domain import notices as model
from common.errors import NotFound
from common.store import notices as store
from common.web import api, get_db, public


def shown(conn, cfg):
    """The notices on show at this kiosk today (business date), newest first."""
    return store.listed(conn, shown_on=business_clock.today(cfg).isoformat())


# The `kiosk_notices` blueprint: /kiosk/notices, /kiosk/notices/<id> and GET /api/v1/kiosk/notices.
bp = Blueprint("kiosk_notices", __name__)


@bp.get("/kiosk/notices")
@public
def index():
    """The notices on show today, newest first."""
    return render_template("kiosk/notices.html", notices=shown(get_db(), current_app.config["SANJI"]),
                           categories=model.CATEGORIES)


@bp.get("/kiosk/notices/<notice_id>")
@public
def one(notice_id):
    """One notice, its text in paragraphs, with a button that reads it aloud."""
    cfg = current_app.config["SANJI"]
    notice = store.get(get_db(), notice_id)
    if not notice or not model.visible(notice, business_clock.today(cfg)):
        raise NotFound("这条公告已经撤下或过期 / this notice is no longer on show", fix="go back to the list")
    paragraphs = [p.strip() for p in notice["body"].split("\n\n") if p.strip()]
    return render_template("kiosk/notice.html", notice=notice, paragraphs=paragraphs, categories=model.CATEGORIES)


@bp.get("/api/v1/kiosk/notices")
@public
@api("The notices on show at this kiosk today", tag="kiosk")
def list_api():
    """JSON: notices."""
    return jsonify({"notices": shown(get_db(), current_app.config["SANJI"])})
