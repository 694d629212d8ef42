"""Booking a visit to the township service centre from the kiosk (预约到乡镇当面办理).

The township holds the book: this page shows the free slots it answers with and books one by
asking it (township_node/appointments.py). When the township cannot be reached the page says
the line is down and books nothing; "booked" is shown only once the township has written it.
"""
from flask import Blueprint, current_app, render_template, request

from common.domain.nodes import parent_of
from common.domain.states import NO_VISIT
from common.live import ask, live_for
from common.web import public

from .status import viewing

ASK_SECONDS = 5.0
REASONS = ("full", "bad_time", "unknown_app", "closed", "too_many", "person_booked", "village_share")


def _ask(body):
    cfg = current_app.config["SANJI"]
    return ask(live_for(cfg), parent_of(cfg["code"]), body, timeout=ASK_SECONDS)


# The `kiosk_appointment` blueprint: /kiosk/status/appointment (GET the slots, POST a booking).
bp = Blueprint("kiosk_appointment", __name__)


@bp.route("/kiosk/status/appointment", methods=["GET", "POST"])
@public
def book():
    """The township's free slots for the next working days; a tap on one books it there."""
    doc = viewing()
    if doc["state"] in NO_VISIT:
        return render_template("kiosk/appointment.html", doc=doc, offline=False, problem="closed", days=[],
                               chosen=None, offer={}), 409
    problem, booked = None, None
    if request.method == "POST":
        answer = _ask({"kind": "appointment.book", "app_id": doc["id"], "date": request.form.get("date", "")[:10],
                       "time": request.form.get("time", "")[:5]})
        if answer is None:
            problem = "no_answer"
        elif answer.get("booked"):
            booked = answer["booked"]
        else:  # the township's own reason, in words the kiosk has (an unknown one reads as refused)
            reason = answer.get("reason")
            problem = reason if reason in REASONS else "refused"
    if booked:
        return render_template("kiosk/appointment_booked.html", doc=doc, booked=booked)
    answer = _ask({"kind": "appointment.slots", "app_id": doc["id"]})
    if answer is None or not isinstance(answer.get("offer"), dict):
        return render_template("kiosk/appointment.html", doc=doc, offline=True, problem=problem,
                               phone=current_app.config["SANJI"]["office_phone"]), 503
    days = answer["offer"].get("days") or []
    chosen = next((d for d in days if d["date"] == request.values.get("date")), days[0] if days else None)
    return render_template("kiosk/appointment.html", doc=doc, offline=False, problem=problem, days=days,
                           chosen=chosen, offer=answer["offer"]), 409 if problem else 200
