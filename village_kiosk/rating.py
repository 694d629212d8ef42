"""Rating the service at the kiosk (好差评), once the outcome is known: one question a page.

How satisfied (five big choices) → for 不满意 or 非常不满意, what went wrong (one choice) → thanks
on the application's page. The rating is an event (`rated`, channel kiosk) and flows up like any
other; a bad one opens a rectification case the county's supervision watches.
"""
from flask import Blueprint, current_app, redirect, render_template, request, session, url_for

from common import i18n
from common.domain import ratings
from common.errors import SanjiError
from common.node import shared_clock
from common.store import applications
from common.store.db import transaction
from common.web import get_db, public
from common.web.context import lang

from .apply import clerk
from .status import viewing

WHY = ("等的时间太长", "工作人员态度不好", "要的材料没讲清楚", "对办理结果不满意", "其他原因")


def _(key):
    return i18n.translate(key, lang())


def record_rating(doc, level, comment):
    """Record the person's rating LEVEL of DOC at this kiosk (a `rated` event, checked strictly)."""
    conn, cfg = get_db(), current_app.config["SANJI"]
    with transaction(conn):
        applications.append(conn, shared_clock(conn, cfg), cfg["code"], doc["id"], "rated", clerk() or "kiosk",
                            {"level": level, "channel": "kiosk", "comment": comment})


# The `kiosk_rating` blueprint: /kiosk/status/rate and /kiosk/status/rate/why.
bp = Blueprint("kiosk_rating", __name__)


@bp.route("/kiosk/status/rate", methods=["GET", "POST"])
@public
def rate():
    """How satisfied are you? Five choices, best first."""
    doc = viewing()
    errors = {}
    if request.method == "POST":
        try:
            level = int(request.form.get("level", ""))
            if level not in ratings.LEVELS:
                raise ValueError
            ratings.check(doc, {"level": level, "channel": "kiosk"})  # outcome known, not rated here yet
        except ValueError:
            errors["level"] = "请选择一项 / choose one"
        except SanjiError as exc:
            errors["level"] = exc.message
        else:
            if level > ratings.BAD:
                try:
                    record_rating(doc, level, "")
                except SanjiError as exc:
                    errors["level"] = exc.message
                else:
                    return redirect(url_for("kiosk_status.view", sent="rated"), code=303)
            else:
                session["rating_level"] = level
                return redirect(url_for("kiosk_rating.why"), code=303)
    options = [(v, f"{_('rate.face.' + str(v))} {labels[0] if lang() == 'zh' else labels[1]}")
               for v, labels in ratings.LEVELS.items()]
    return render_template("kiosk/question.html", doc=doc, name="level", title=_("rate.title"),
                           hint=_("rate.hint"), options=options, errors=errors, action=url_for("kiosk_rating.rate"),
                           back=url_for("kiosk_status.view")), 400 if errors else 200


@bp.route("/kiosk/status/rate/why", methods=["GET", "POST"])
@public
def why():
    """What went wrong? One choice; then the rating is recorded and a rectification opened."""
    doc = viewing()
    level = session.get("rating_level")
    if level not in ratings.LEVELS:
        return redirect(url_for("kiosk_rating.rate"), code=303)
    errors = {}
    if request.method == "POST":
        reason = request.form.get("reason", "")
        if reason not in WHY:
            errors["reason"] = "请选择一项 / choose one"
        else:
            try:
                record_rating(doc, level, reason)
            except SanjiError as exc:
                errors["reason"] = exc.message
            else:
                session.pop("rating_level", None)
                return redirect(url_for("kiosk_status.view", sent="rated_bad"), code=303)
    return render_template("kiosk/question.html", doc=doc, name="reason", title=_("rate.why_title"),
                           hint=_("rate.why_hint"), options=[(r, r) for r in WHY], errors=errors,
                           action=url_for("kiosk_rating.why"), back=url_for("kiosk_rating.rate")), \
        400 if errors else 200
