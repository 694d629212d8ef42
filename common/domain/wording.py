"""What an application's state and steps say to the person who made it, as plain sentences.

Pure: takes the projection, returns message keys (common/locales) and the values that fill them,
with the office that acts named (the township service centre, or the county department). A
complaint, suggestion or consultation (诉求件) has its own words: it is answered, not approved.
"""
from collections.abc import Callable, Iterator
from typing import Any

from .application import current_steps, flow_done, is_voice, step_department
from .nodes import tier_of
from .record import Doc
from .states import AWAITING_INTAKE, FINISHED


def office(doc: Doc, dept_name: Callable[[str], str]) -> tuple[str, dict[str, Any]]:
    """(key, values) of who acts on DOC now: the village room, the township centre or a county department."""
    tier = tier_of(doc["custody"]) if doc.get("custody") else "village"
    if doc["state"] in ("submitted",):
        return "office.township", {}
    if tier == "county":
        steps = current_steps(doc)
        dept = step_department(doc, steps[0]) if steps else doc["item"].get("department", "")
        name = dept_name(dept) if dept else ""
        return ("office.department", {"name": name}) if name else ("office.county", {})
    return f"office.{tier}", {}


def now(doc: Doc, dept_name: Callable[[str], str]) -> tuple[str, dict[str, Any]]:
    """(key, values) of the one sentence saying where DOC stands, e.g. 县民政局正在审查（第 2 步，共 3 步）."""
    voice = is_voice(doc)
    prefix = "now.voice." if voice else "now."
    state = doc["state"]
    who_key, who_values = office(doc, dept_name)
    values = {"office_key": who_key, **who_values}
    supplement = doc.get("supplement") or {}
    if state in AWAITING_INTAKE and supplement.get("provided"):
        return prefix + "supplement_in", values  # not "received" again after the person sent what was asked
    if state == "in_review":
        flow = doc["item"].get("flow", [])
        steps = current_steps(doc)
        return prefix + "in_review", dict(values, n=min(doc["flow_pos"] + 1, len(flow)), total=len(flow),
                                          step=(steps[0].get("name", "") if steps and not flow_done(doc) else ""))
    if state == "not_accepted":
        return prefix + "not_accepted", dict(values, reason=(doc.get("decision") or {}).get("reason", ""))
    return prefix + state, values


def shows_due(doc: Doc) -> bool:
    """True while a promised date still means something: not after the outcome, not for an instant item."""
    return doc["state"] not in FINISHED and bool(doc.get("limit_days"))


def promise(item: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """(key, values) of an item's time limit: 当场办结 for an instant item, else N working days (to answer, for 诉求)."""
    days = int(item.get("promised_days") or 0)
    if item.get("case_type") == "instant" or days == 0:
        return "promise.instant", {}
    return ("promise.voice_days" if item.get("case_type") == "voice" else "promise.days"), {"n": days}


# Timeline steps a complaint or suggestion says in its own words.
VOICE_STEPS = {"submitted", "received", "forwarded", "accepted", "step_passed", "step_returned", "approved",
               "not_accepted", "supplement_requested", "supplement_provided", "withdrawn", "withdrawal_requested"}


def step(doc: Doc, st: dict[str, Any], dept_name: Callable[[str], str]) -> tuple[str, dict[str, Any]]:
    """(key, values) of one timeline step ST (from timeline.steps) of DOC, naming the office or the step."""
    kind = st["type"]
    key = ("timeline.voice." if is_voice(doc) and kind in VOICE_STEPS else "timeline.") + kind
    if kind == "received":
        return key, {"office_key": "office.county" if tier_of(st.get("origin") or "") == "county" else "office.township"}
    if kind == "forwarded":
        name = dept_name(doc["item"].get("department", ""))
        return (key, {"name": name}) if name else (key + "_county", {})
    if kind in ("step_passed", "step_returned"):
        names = {s["id"]: s.get("name", "") for s in _steps_of(doc["item"].get("flow", []))}
        name = names.get(st.get("step") or "", "")
        return (key + "_named", {"step": name}) if name else (key, {})
    return key, {}


def _steps_of(flow: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for element in flow:
        if "parallel" in element:
            yield from element["parallel"]["branches"]
        elif "id" in element:
            yield element
