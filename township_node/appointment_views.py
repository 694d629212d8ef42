"""The township's appointment book on the window console: who comes when, by day."""
from datetime import timedelta

from flask import Blueprint, current_app, render_template, request

from common import clock as business_clock
from common.domain.states import NO_VISIT
from common.roles import TOWNSHIP_CONSOLE
from common.web import get_db, roles

from . import appointment_store, appointments


# The `appointments` blueprint: /appointments?day=YYYY-MM-DD.
bp = Blueprint("appointments", __name__, template_folder="templates")


@bp.get("/appointments")
@roles(*TOWNSHIP_CONSOLE)
def page():
    """The day's bookings slot by slot (today unless ?day=), and the next days that have any."""
    cfg, conn = current_app.config["SANJI"], get_db()
    today = business_clock.today(cfg)
    day = appointments.day_of(request.args.get("day", ""), today)
    ranges, slot, capacity, _days = appointments.settings(cfg)
    rows = appointment_store.of_day(conn, day.isoformat())
    by_time = {}
    for r in rows:
        by_time.setdefault(r["time"], []).append(r)
    slots = [{"time": a, "end": b, "rows": by_time.pop(a, [])} for a, b in appointments.slot_times(ranges, slot)]
    # Bookings at a time the hours no longer offer (the setting changed) are still shown.
    slots += [{"time": t, "end": "", "rows": rs} for t, rs in sorted(by_time.items())]
    return render_template("window/appointments.html", day=day, today=today, slots=slots, capacity=capacity,
                           weekday=appointments.WEEKDAYS[day.weekday()], total=len(rows),
                           prev=(day - timedelta(days=1)).isoformat(), next=(day + timedelta(days=1)).isoformat(),
                           upcoming=appointment_store.days_with_bookings(conn, today.isoformat()),
                           office_place=appointments.place_of(cfg), freed=NO_VISIT)
