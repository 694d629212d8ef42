"""Who can act on the county's open cases: departments and steps that no active staff account covers.

Pure. A county approver acts on the steps of their own department(s) (`county_approver:MZ`; no
department means every one), a reviewer on escalations and on the cases the county took. A case
waiting for a department nobody can sign in for waits unseen, so the administrator and the
supervisors are told which departments (and which steps of them) have open cases and no one to act.
The node decides this from its own accounts and its own projections, never from what a child says.
"""
from collections.abc import Collection, Iterable, Mapping
from typing import Any

from .application import current_steps, step_department
from .decisions import holds, routed_to, taken_by_county
from .record import Doc
from .states import IN_FLOW, WORKING

REVIEWER = "county_reviewer"
APPROVER = "county_approver"


def needs_of(doc: Doc) -> list[tuple[str, str, str, str]]:
    """[(role, department, step id, step name)]: who must act on DOC (held by the county) now.

    Steps of a joint approval's pending branches each name their department; intake and a case in
    a department's hands without a step awaiting name the item's; an escalation under review and a
    case the reviewer took name the reviewer (no department).
    """
    state = doc["state"]
    if state == "escalation_review":
        return [(REVIEWER, "", "", "")]
    if taken_by_county(doc, "county"):
        routed = routed_to(doc)
        return [(APPROVER, routed, "", "")] if routed else [(REVIEWER, "", "", "")]
    if state not in WORKING:
        return []
    if state in IN_FLOW:
        steps = current_steps(doc)
        if steps:  # a step is its department's, whichever role acts on it (a reviewer may hold one department)
            return [(s.get("role") or APPROVER, step_department(doc, s), s["id"], s.get("name", s["id"]))
                    for s in steps]
    return [(APPROVER, doc["item"].get("department", ""), "", "")]


def can_act(users: Iterable[dict[str, Any]], role: str, department: str) -> bool:
    """True when an active account among USERS holds ROLE for DEPARTMENT, by the decision rules' own test
    (`decisions.holds`: a role without a department covers every one)."""
    return any(not user.get("disabled") and holds(user["roles"], role, department) for user in users)


def reviewer_departments(items: Iterable[dict[str, Any]]) -> set[str]:
    """The departments whose county items have a step the reviewer acts on (those cases need a reviewer
    at that step, not the department's approver)."""
    out = set()
    for item in items:
        for entry in item.get("flow", []):
            for step in entry["parallel"]["branches"] if "parallel" in entry else [entry]:
                if step.get("role") == REVIEWER:
                    out.add(step.get("department") or item.get("department", ""))
    return out - {""}


def gaps(counts: Mapping[str, int], users: Collection[dict[str, Any]], docs: Collection[Doc] = (),
         reviewer_cases: int = 0) -> list[dict[str, Any]]:
    """[{role, department, count, steps: [{id, name, count}]}] nobody among USERS can act on: departments, most cases first, then the reviewer.

    COUNTS: {department: open cases awaiting it} (the awaiting index: complete); DOCS: some of those
    cases (at most a few hundred, for the roles their steps need and their names); REVIEWER_CASES:
    escalations under review and cases the county took for its reviewer. A department's count is its
    index count less the sampled cases someone can act on, so a case at a step the reviewer holds is
    not reported as the approver's, and one nobody can take is reported under the role it needs.
    """
    out: list[dict[str, Any]] = []
    acted: dict[str, set[str]] = {}          # department: the sampled cases someone can act on
    reviewer_steps: dict[str, list[Doc]] = {}  # department: the sampled cases at a reviewer's step nobody takes
    for doc in docs:
        for role, dept, step_id, name in needs_of(doc):
            if can_act(users, role, dept):
                acted.setdefault(dept, set()).add(doc["id"])
            elif role == REVIEWER and dept:
                reviewer_steps.setdefault(dept, []).append(doc)
    for dept, n in counts.items():
        left = n - len(acted.get(dept, ()))
        if left > 0 and dept and not can_act(users, APPROVER, dept):
            out.append({"role": APPROVER, "department": dept, "count": left, "steps": _steps(docs, dept, APPROVER)})
    for dept, waiting in reviewer_steps.items():
        out.append({"role": REVIEWER, "department": dept, "count": len(waiting), "steps": _steps(waiting, dept, REVIEWER)})
    if reviewer_cases and not can_act(users, REVIEWER, ""):
        out.append({"role": REVIEWER, "department": "", "count": reviewer_cases, "steps": []})
    return sorted(out, key=lambda g: (g["role"] == REVIEWER, -g["count"], g["department"]))


def _steps(docs: Iterable[Doc], dept: str, role_needed: str) -> list[dict[str, Any]]:
    found: dict[tuple[str, str], dict[str, Any]] = {}  # (item, step): {id, name, count, item}
    for doc in docs:
        for role, d, step_id, name in needs_of(doc):
            if role == role_needed and d == dept and step_id:
                entry = found.setdefault((doc["item"]["code"], step_id), {"id": step_id, "name": name, "count": 0,
                                                                          "item": doc["item"]["code"]})
                entry["count"] += 1
    return sorted(found.values(), key=lambda s: (-s["count"], s["item"], s["id"]))
