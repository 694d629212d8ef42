"""What the county counts of one application, computed once when it changes (issue 18).

The dashboard's figures (绩效) are sums over these facts in SQL, not loops over every projection:
`facts_of` is the one definition of a group key, a completion, on time, early and the working days
taken, and `ratings_of` of each rating given. Both are pure; `common.store.facts` keeps them in the
tables `app_facts` and `app_ratings` in the same transaction as the projection, and again when the
calendar changes what they depend on. `common.domain.stats` keeps the straightforward recomputation
over projections, which the tests and the benchmark compare these with.
"""
from datetime import date
from typing import Any

from ..workcal import WorkCalendar
from .application import current_steps, step_department
from .decisions import routed_to, taken_by_county
from .nodes import ancestor_of, tier_of
from .ratings import BAD, all_of
from .record import Doc
from .states import IN_FLOW

GROUPS = ("department", "township", "village", "item")  # the dashboard's groupings: columns of app_facts
RATING_GROUPS = ("office", "staff")                     # who a rating was about: columns of app_ratings


def keys_of(doc: Doc) -> dict[str, str]:
    """DOC's group keys: {department, township, village, item} ('' when it has none, e.g. a walk-in's village)."""
    origin = doc["origin"]
    return {"department": doc["item"].get("department", ""), "township": ancestor_of(origin, "township"),
            "village": origin if tier_of(origin) == "village" else "", "item": doc["item"]["code"]}


def decided_on(doc: Doc) -> str | None:
    """The day DOC was decided (approved, denied or not accepted), or None."""
    decision = doc.get("decision") or {}
    return decision.get("on") if decision.get("outcome") else None


def facts_of(doc: Doc, cal: WorkCalendar | None) -> dict[str, Any]:
    """The facts row of DOC (a projection with `due_on` as calendar CAL gives it; CAL may be None when DOC was
    never accepted, as its working days are not counted then)."""
    decided = decided_on(doc)
    due = doc.get("due_on")
    on_time = early = days = None
    if decided:
        done = date.fromisoformat(decided)
        on_time = int(due is None or done <= date.fromisoformat(due))
        early = int(due is not None and done < date.fromisoformat(due))
        if doc.get("accepted_on"):
            assert cal is not None, "an accepted case's facts need the calendar"
            worked = cal.working_days_between(date.fromisoformat(doc["accepted_on"]), done)
            days = max(0, worked - doc.get("paused_days", 0))
    return dict(keys_of(doc), app_id=doc["id"], case_type=doc["item"].get("case_type", ""), state=doc["state"],
                submitted_on=doc["submitted_on"], accepted_on=doc.get("accepted_on"), decided_on=decided,
                outcome=(doc.get("decision") or {}).get("outcome") if decided else None, due_on=due,
                on_time=on_time, early=early, working_days=days)


def ratings_of(doc: Doc) -> list[dict[str, Any]]:
    """One row per rating DOC received: {n, on, level, satisfied, office, staff} and DOC's group keys."""
    rows = []
    for n, x in enumerate(all_of(doc)):
        if not isinstance(x, dict) or not isinstance(x.get("on"), str) or not x["on"]:
            continue
        level = x.get("level", 0) if isinstance(x.get("level"), int) else 0
        rows.append(dict(keys_of(doc), app_id=doc["id"], n=n, on=x["on"], level=level, satisfied=int(level > BAD),
                         office=str(x.get("office") or ""), staff=str(x.get("staff") or "")))
    return rows


def awaiting(doc: Doc) -> list[str]:
    """The departments whose decision DOC awaits now (none for a case the reviewer took on escalation).

    A joint approval's pending branches each belong to theirs; intake and single steps to the
    item's department. Kept per working application in `app_awaiting`, so an inbox is one index range.
    """
    if taken_by_county(doc, "county"):
        return [routed_to(doc)] if routed_to(doc) else []
    dept = doc["item"].get("department", "")
    if doc["state"] in IN_FLOW:
        steps = current_steps(doc)
        if steps:
            return sorted({step_department(doc, s) for s in steps})
    return [dept]
