"""The working-day calendar's administrative actions: set or clear a day, mark a year published.

Each is one transaction: the change, its audit record and the outbox rows sending the whole
calendar to every child commit together (`common.replication.publish`). The deadlines the change
moves are written again after it commits, in the store's bounded batches, as a sync batch
bringing a calendar does (`store.calendar.refresh_deadlines`).
"""
from datetime import date

from ..errors import ValidationError
from ..replication import publish
from ..store import audit, calendar as store
from ..store.db import transaction

# What an administrator may do to one day; "remove" drops its exception (the weekday rule applies).
DAY_KINDS = ("holiday", "workday", "remove")
MAX_NAME = 40  # a day's name is a label on the calendar page (国庆节调休), not a note


def parse_day(value):
    """The date written as YYYY-MM-DD in VALUE; ValidationError otherwise."""
    try:
        return date.fromisoformat(str(value or ""))
    except ValueError:
        raise ValidationError(f"{value!r} 不是日期，日期须为 YYYY-MM-DD / not a date: the date must be YYYY-MM-DD",
                              fix="write dates as YYYY-MM-DD, e.g. 2027-10-01") from None


def edit_day(conn, me, actor, day, kind, name=""):
    """Make DAY (a date or YYYY-MM-DD) a holiday or a workday, or remove its exception (KIND), at node ME.

    Audited as `calendar.KIND` and sent down; returns the date.
    """
    day = day if isinstance(day, date) else parse_day(day)
    if kind not in DAY_KINDS:
        raise ValidationError("请选择放假、调休上班或删除 / choose holiday, workday or remove")
    name = str(name or "")[:MAX_NAME]
    with transaction(conn):
        if kind == "remove":
            store.clear_day(conn, day, refresh=False)
        else:
            store.set_day(conn, day, kind, name, refresh=False)
        audit.record(conn, actor, f"calendar.{kind}", day.isoformat(), {"name": name} if name else {})
        publish(conn, me, ("calendar",))
    store.refresh_deadlines(conn, day, day)
    return day


def set_published(conn, me, actor, year, published=True):
    """Mark YEAR's schedule published (or, not PUBLISHED, provisional again) at node ME; audited and sent down."""
    with transaction(conn):
        store.set_published(conn, year, published, refresh=False)
        audit.record(conn, actor, "calendar.published", str(year), {"published": bool(published)})
        publish(conn, me, ("calendar",))
    store.refresh_deadlines(conn, date(year, 1, 1), date(year, 12, 31))
