"""An application's timeline in plain words, for villagers checking their progress.

Pure: takes the projection and its events, returns steps a person can read aloud. Events still
waiting to leave this node are marked, so "waiting for the network" is said instead of silence.
"""
from collections.abc import Container, Iterable, Mapping
from typing import Any

from .application import event_date, step_department
from .decisions import routed_to, taken_by_county
from .nodes import tier_of
from .record import Doc, Event

STEP_KEYS = {
    "submitted", "received", "forwarded", "accepted", "not_accepted", "supplement_requested",
    "supplement_provided", "escalated", "escalation_answered", "step_passed", "step_returned",
    "approved", "denied", "delivered", "withdrawn", "withdrawal_requested", "consult_held", "callback_booked",
    "appointment_booked",
}


def steps(events: Iterable[Event], waiting: Container[str] = ()) -> list[dict[str, Any]]:
    """[{type, date, waiting, missing, reason, step, origin}] for the events a villager should see, oldest first.

    WAITING holds ids of events not yet acknowledged upstream. Internal events (comments,
    warnings, ratings) are left out.
    """
    out = []
    for e in sorted(events, key=lambda e: (e["hlc"], e["id"])):
        if e["type"] not in STEP_KEYS:
            continue
        p = e.get("payload") or {}
        out.append({"type": e["type"], "date": event_date(e["hlc"]).isoformat(), "waiting": e["id"] in waiting,
                    "missing": list(p.get("missing") or []) if e["type"] == "supplement_requested" else [],
                    "reason": p.get("reason") or "", "step": p.get("step") or "",
                    "origin": e.get("origin") or e["hlc"].rsplit("-", 1)[-1]})
    return out


STEP_EVENTS = {"step_passed", "step_returned"}
# Decisions a county department makes outside the flow's steps: intake and the outcome (decisions.available
# offers them to the item's department, or to the one a reviewer routed an escalation to).
COUNTY_DEPARTMENT_DECISIONS = {"accepted", "not_accepted", "supplement_requested", "approved", "denied", "delivered",
                               "withdrawn", "rectification_done"}


def flow_step(doc: Doc, step_id: str | None) -> dict[str, Any] | None:
    """The step STEP_ID of DOC's flow (a single step or a parallel group's branch), or None."""
    for element in doc["item"].get("flow", []):
        for step in (element["parallel"]["branches"] if "parallel" in element else [element]):
            if step.get("id") == step_id:
                return step
    return None


def who_acted(doc: Doc, event: Event, departments: Mapping[str, str] | None = None) -> dict[str, str]:
    """{step, step_name, department, department_name} naming the step EVENT decided and the department it belongs to.

    A step's event names its step and the step's department (a joint approval's branch its own); a
    county department's other decisions name the item's department (or the one an escalation was
    routed to). Empty strings where the event is no department's (a township's decision, a comment).
    DEPARTMENTS maps codes to names.
    """
    departments = departments or {}
    kind, p = event["type"], event.get("payload") or {}
    out = {"step": "", "step_name": "", "department": "", "department_name": ""}
    if kind in STEP_EVENTS:
        step = flow_step(doc, p.get("step")) or {}
        out["step"] = str(p.get("step") or "")
        out["step_name"] = step.get("name", out["step"])
        if step and step.get("role", "").startswith("county_"):
            out["department"] = step_department(doc, step)
    elif kind in COUNTY_DEPARTMENT_DECISIONS and tier_of(event["origin"]) == "county":
        if taken_by_county(doc, "county"):
            out["department"] = routed_to(doc)  # taken without routing: the reviewer decides, no department
        else:
            out["department"] = doc["item"].get("department", "")
    out["department_name"] = departments.get(out["department"], out["department"])
    return out


def matches_secret(doc: Doc, last4: object) -> bool:
    """True when LAST4 equals the last 4 characters of the applicant's ID number or phone (case-insensitive)."""
    last4 = str(last4 or "").strip().upper()
    if len(last4) != 4:
        return False
    a = doc.get("applicant", {})
    return last4 in {str(a.get("id_number", ""))[-4:].upper(), str(a.get("phone", ""))[-4:]} - {""}
