"""Performance figures (绩效): received, accepted, completed, on-time and early-completion rates, working days.

Pure over application projections, so a hand-computed fixture checks every figure. In a period
[start, end] (inclusive dates):
- received: submitted in the period; accepted: accepted in it; completed: decided (approved,
  denied or not accepted) in it;
- on time: completed on or before the deadline (the promised working days after acceptance,
  pushed by the working days paused for documents); early (提前办结): strictly before it;
- working days: from acceptance to decision, less the days paused, averaged over completed ones.
- ratings (好差评) given in the period: how many, satisfied (基本满意 or better), bad (不满意 or worse),
  and the satisfaction rate once MIN_SAMPLE ratings are in.
A group with fewer than MIN_SAMPLE completed applications gets no rates and is not ranked.
"""
from collections.abc import Collection, Iterable
from datetime import date, timedelta
from typing import Any, TypeGuard

from ..workcal import WorkCalendar
from .facts import GROUPS, RATING_GROUPS, keys_of
from .facts import decided_on as _decided_on
from .ratings import BAD as BAD_RATING
from .ratings import all_of as all_ratings
from .record import Doc

MIN_SAMPLE = 5


def _key(doc: Doc, group: str) -> str:
    return keys_of(doc)[group]


def _between(day: str | None, start: date, end: date) -> TypeGuard[str]:
    # A TypeGuard: where it holds, DAY is a day (callers then read it as one).
    if not day:
        return False
    return start <= date.fromisoformat(day) <= end


def figures(docs: Iterable[Doc], cal: WorkCalendar, start: date, end: date, group: str = "department",
            min_sample: int = MIN_SAMPLE) -> list[dict[str, Any]]:
    """[{key, received, accepted, completed, on_time, early, on_time_rate, early_rate, avg_working_days, ranked}].

    DOCS are projections with `due_on` as the calendar CAL gives it; rows are ranked by on-time
    rate (then early rate), unranked groups last.
    """
    if group not in GROUPS:
        raise ValueError(f"group must be one of {GROUPS}")
    rows: dict[str, dict[str, Any]] = {}
    for doc in docs:
        key = _key(doc, group)
        if not key:
            continue
        r = rows.setdefault(key, {"key": key, "received": 0, "accepted": 0, "completed": 0, "on_time": 0, "early": 0,
                                  "rated": 0, "satisfied": 0, "bad": 0, "_days": 0})
        _count_ratings(r, [x for x in all_ratings(doc) if _between(x.get("on"), start, end)])
        r["received"] += _between(doc["submitted_on"], start, end)
        r["accepted"] += _between(doc.get("accepted_on"), start, end)
        decided = _decided_on(doc)
        if not _between(decided, start, end):
            continue
        r["completed"] += 1
        due, done = doc.get("due_on"), date.fromisoformat(decided)
        if due is None or done <= date.fromisoformat(due):
            r["on_time"] += 1
        if due is not None and done < date.fromisoformat(due):
            r["early"] += 1
        if doc.get("accepted_on"):
            worked = cal.working_days_between(date.fromisoformat(doc["accepted_on"]), done)
            r["_days"] += max(0, worked - doc.get("paused_days", 0))
    return finish(rows.values(), min_sample)


def finish(rows: Iterable[dict[str, Any]], min_sample: int = MIN_SAMPLE) -> list[dict[str, Any]]:
    """ROWS of counts (with `_days`, the working days of the completed summed) with their rates, ranked.

    The reference recomputation above and the dashboard's SQL sums (common.store.facts) both end here.
    """
    out = []
    for r in rows:
        days = r.pop("_days")
        ranked = r["completed"] >= min_sample
        r.update(ranked=ranked,
                 satisfaction_rate=round(r["satisfied"] / r["rated"], 4) if r["rated"] >= min_sample else None,
                 on_time_rate=round(r["on_time"] / r["completed"], 4) if ranked else None,
                 early_rate=round(r["early"] / r["completed"], 4) if ranked else None,
                 avg_working_days=round(days / r["completed"], 2) if r["completed"] else None)
        out.append(r)
    return sorted(out, key=lambda r: (not r["ranked"], -(r["on_time_rate"] or 0), -(r["early_rate"] or 0), r["key"]))


def _count_ratings(row: dict[str, Any], given: Iterable[dict[str, Any]]) -> None:
    for x in given:
        level = x.get("level", 0) if isinstance(x.get("level"), int) else 0
        row["rated"] += 1
        row["satisfied"] += level > BAD_RATING
        row["bad"] += level <= BAD_RATING


def rating_figures(docs: Iterable[Doc], start: date, end: date, by: str = "office",
                   min_sample: int = MIN_SAMPLE) -> list[dict[str, Any]]:
    """[{key, rated, satisfied, bad, satisfaction_rate}] of the ratings given in [START, END] BY office or staff.

    Worst satisfaction first among groups with MIN_SAMPLE ratings (the ones to look at), the rest after.
    """
    if by not in RATING_GROUPS:
        raise ValueError(f"by must be one of {RATING_GROUPS}")
    rows: dict[str, dict[str, Any]] = {}
    for doc in docs:
        for x in all_ratings(doc):
            if _between(x.get("on"), start, end) and x.get(by):
                r = rows.setdefault(x[by], {"key": x[by], "rated": 0, "satisfied": 0, "bad": 0})
                _count_ratings(r, [x])
    return finish_ratings(rows.values(), min_sample)


def finish_ratings(rows: Iterable[dict[str, Any]], min_sample: int = MIN_SAMPLE) -> list[dict[str, Any]]:
    """Rating ROWS {key, rated, satisfied, bad} with their satisfaction rate, the ones to look at first."""
    rows = list(rows)
    for r in rows:
        r["satisfaction_rate"] = round(r["satisfied"] / r["rated"], 4) if r["rated"] >= min_sample else None
    return sorted(rows, key=lambda r: (r["satisfaction_rate"] is None, r["satisfaction_rate"] or 0, -r["bad"], r["key"]))


def voice_figures(docs: Iterable[Doc], start: date, end: date, today: date | None = None) -> dict[str, Any]:
    """Complaints, suggestions and consultations (诉求件) in [START, END]: how many came, how many were answered.

    reply_rate: of those received in the period, the share answered (by now); on_time_reply_rate:
    of those answered in the period, the share answered by their due date; open and overdue now.
    """
    out = {"received": 0, "replied_of_received": 0, "answered": 0, "answered_on_time": 0, "open": 0, "overdue": 0}
    today = today or end
    for doc in docs:
        if doc["item"].get("case_type") != "voice":
            continue
        decision = doc.get("decision") or {}
        answered = decision.get("outcome") == "approved"
        if _between(doc["submitted_on"], start, end):
            out["received"] += 1
            out["replied_of_received"] += answered
        if answered and _between(decision.get("on"), start, end):
            out["answered"] += 1
            out["answered_on_time"] += doc.get("due_on") is None or decision["on"] <= doc["due_on"]
        if not decision.get("outcome") and doc.get("state") not in ("withdrawn",):
            out["open"] += 1
            out["overdue"] += bool(doc.get("due_on")) and date.fromisoformat(doc["due_on"]) < today
    return finish_voice(out)


def finish_voice(out: dict[str, Any]) -> dict[str, Any]:
    """The complaint counts OUT with their reply rates."""
    out["reply_rate"] = round(out["replied_of_received"] / out["received"], 4) if out["received"] else None
    out["on_time_reply_rate"] = round(out["answered_on_time"] / out["answered"], 4) if out["answered"] else None
    return out


def totals(rows: Collection[dict[str, Any]]) -> dict[str, Any]:
    """The whole county's counts summed over ROWS of one grouping."""
    keys = ("received", "accepted", "completed", "on_time", "early", "rated", "satisfied", "bad")
    out = {k: sum(r[k] for r in rows) for k in keys}
    out["satisfaction_rate"] = round(out["satisfied"] / out["rated"], 4) if out["rated"] else None
    out["on_time_rate"] = round(out["on_time"] / out["completed"], 4) if out["completed"] else None
    out["early_rate"] = round(out["early"] / out["completed"], 4) if out["completed"] else None
    return out


def bucket_size(start: date, end: date) -> str:
    """'day' for up to 31 days, 'week' up to 26 weeks, else 'month': a readable number of columns."""
    days = (end - start).days + 1
    return "day" if days <= 31 else "week" if days <= 26 * 7 else "month"


def _bucket(day: date, size: str) -> date:
    if size == "day":
        return day
    if size == "week":
        return day - timedelta(days=day.weekday())  # the Monday of its week
    return day.replace(day=1)


def _buckets(start: date, end: date, size: str) -> list[date]:
    out, day = [], _bucket(start, size)
    while day <= end:
        out.append(day)
        day = day + timedelta(days=1) if size == "day" else day + timedelta(days=7) if size == "week" else \
            (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return out


def trend(docs: Iterable[Doc], start: date, end: date, size: str | None = None) -> list[dict[str, Any]]:
    """[{period, received, completed, on_time}] for each day, week or month (SIZE) of [START, END], empty ones too.

    A period is named by its first day (a week by its Monday, a month by its 1st)."""
    size = size or bucket_size(start, end)
    rows: dict[date, dict[str, Any]] = {b: {"period": b.isoformat(), "received": 0, "completed": 0, "on_time": 0}
                                        for b in _buckets(start, end, size)}
    for doc in docs:
        if _between(doc["submitted_on"], start, end):
            rows[_bucket(date.fromisoformat(doc["submitted_on"]), size)]["received"] += 1
        decided = _decided_on(doc)
        if _between(decided, start, end):
            r = rows[_bucket(date.fromisoformat(decided), size)]
            r["completed"] += 1
            r["on_time"] += doc.get("due_on") is None or decided <= doc["due_on"]
    return list(rows.values())


def trend_of(received: Iterable[tuple[date, int]], completed: Iterable[tuple[date, int, int]], start: date, end: date,
             size: str | None = None) -> list[dict[str, Any]]:
    """`trend` from per-day counts: RECEIVED [(day, n)], COMPLETED [(day, n, on time)] (common.store.facts.daily)."""
    size = size or bucket_size(start, end)
    rows: dict[date, dict[str, Any]] = {b: {"period": b.isoformat(), "received": 0, "completed": 0, "on_time": 0}
                                        for b in _buckets(start, end, size)}
    for day, n in received:
        rows[_bucket(day, size)]["received"] += n
    for day, n, on_time in completed:
        r = rows[_bucket(day, size)]
        r["completed"] += n
        r["on_time"] += on_time
    return list(rows.values())


# The periods a dashboard offers. The default is this month: a dashboard opened on the 3rd still
# shows the month so far, and beside it the whole previous month, so a few days of figures are
# read against a full month of history rather than alone.
PERIODS = ("month", "last_month", "quarter", "year", "custom")


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _months_back(first: date, n: int) -> date:
    """The first day of the month N months before FIRST (itself a first of a month)."""
    months = first.year * 12 + first.month - 1 - n
    return date(months // 12, months % 12 + 1, 1)


def choose_period(today: date, choice: str | None = None, start: date | None = None,
                  end: date | None = None) -> dict[str, Any]:
    """{choice, start, end, prev_start, prev_end}: the period to show on TODAY and the one to compare it with.

    CHOICE is one of PERIODS (None: START/END when given, else this month). month: the 1st of this
    month to today, against the whole previous month; last_month: that whole month against the one
    before; quarter and year: from their first day to today, against the whole previous quarter or
    year; custom: START to END (each defaulting as this month does), against as many days right before.
    """
    if choice is None:
        choice = "custom" if start or end else "month"
    if choice not in PERIODS:
        raise ValueError(f"period must be one of {PERIODS}")
    first = _month_start(today)
    if choice == "month":
        s, e, ps = first, today, _months_back(first, 1)
        pe = first - timedelta(days=1)
    elif choice == "last_month":
        s = _months_back(first, 1)
        e, ps, pe = first - timedelta(days=1), _months_back(first, 2), s - timedelta(days=1)
    elif choice == "quarter":
        s = _months_back(first, (today.month - 1) % 3)
        e, ps, pe = today, _months_back(s, 3), s - timedelta(days=1)
    elif choice == "year":
        s = date(today.year, 1, 1)
        e, ps, pe = today, date(today.year - 1, 1, 1), s - timedelta(days=1)
    else:
        s, e = start or first, end or today
        pe = s - timedelta(days=1)
        ps = pe - (e - s)
    return {"choice": choice, "start": s, "end": e, "prev_start": ps, "prev_end": pe}
