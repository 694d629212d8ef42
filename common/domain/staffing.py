"""Who can act on the county's open cases: departments and steps that no active staff account covers.

Pure. A county approver acts on the steps of their own department(s) (`county_approver:MZ`; no
department means every one), a reviewer on escalations and on the cases the county took. A case
waiting for a department nobody can sign in for waits unseen, so the administrator and the
supervisors are told which departments (and which steps of them) have open cases and no one to act.
The node decides this from its own accounts and its own projections, never from what a child says.
"""
from .application import current_steps, step_department
from .decisions import routed_to, taken_by_county
from .states import IN_FLOW, WORKING

REVIEWER = "county_reviewer"
APPROVER = "county_approver"


def needs_of(doc):
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
        if steps:
            return [(s.get("role") or APPROVER, step_department(doc, s) if (s.get("role") or APPROVER) == APPROVER
                     else "", s["id"], s.get("name", s["id"])) for s in steps]
    return [(APPROVER, doc["item"].get("department", ""), "", "")]


def can_act(users, role, department):
    """True when an active account among USERS holds ROLE for DEPARTMENT (or for every department)."""
    for user in users:
        if user.get("disabled"):
            continue
        for held, dept in user["roles"]:
            if held == role and (not dept or role != APPROVER or dept == department):
                return True
    return False


def gaps(counts, users, docs=(), reviewer_cases=0):
    """[{role, department, count, steps: [{id, name, count}]}] nobody among USERS can act on: departments, most cases first, then the reviewer.

    COUNTS: {department: open cases awaiting it}; DOCS: some of the cases awaiting the uncovered
    departments (for naming their steps; a sample is enough); REVIEWER_CASES: escalations under
    review and cases the county took for its reviewer.
    """
    out = []
    for dept, n in counts.items():
        if n and dept and not can_act(users, APPROVER, dept):
            out.append({"role": APPROVER, "department": dept, "count": n, "steps": _steps(docs, dept)})
    if reviewer_cases and not can_act(users, REVIEWER, ""):
        out.append({"role": REVIEWER, "department": "", "count": reviewer_cases, "steps": []})
    return sorted(out, key=lambda g: (g["role"] == REVIEWER, -g["count"], g["department"]))


def _steps(docs, dept):
    found = {}
    for doc in docs:
        for role, d, step_id, name in needs_of(doc):
            if role == APPROVER and d == dept and step_id:
                entry = found.setdefault((doc["item"]["code"], step_id), {"id": step_id, "name": name, "count": 0,
                                                                          "item": doc["item"]["code"]})
                entry["count"] += 1
    return sorted(found.values(), key=lambda s: (-s["count"], s["item"], s["id"]))
