"""SQL behind the county's queues: department inboxes, escalations to review, warnings to supervise.

An application is in a department's inbox when the county holds it, it is not finished, and the
step awaiting a decision belongs to that department (a joint approval's pending branches each
belong to theirs; intake and single steps to the item's department).
"""
from common.domain.application import current_steps, is_voice, label, step_department
from common.domain.decisions import routed_to, taken_by_county
from common.jsontext import loads

WORKING = ("received", "forwarded", "accepted", "in_review", "returned", "supplement")


def departments_of(doc):
    """The departments whose decision DOC awaits now (none for a case the reviewer took on escalation)."""
    if taken_by_county(doc, "county"):
        return [routed_to(doc)] if routed_to(doc) else []
    dept = doc["item"].get("department", "")
    if doc["state"] in ("accepted", "in_review"):
        steps = current_steps(doc)
        if steps:
            return sorted({step_department(doc, s) for s in steps})
    return [dept]


def _row(doc, due_on):
    return {"id": doc["id"], "tracking_code": doc["tracking_code"], "item_code": doc["item"]["code"],
            "item_name": doc["item"]["name"], "department": doc["item"].get("department", ""),
            "awaiting": departments_of(doc), "applicant_name": doc["applicant"]["name"], "origin": doc["origin"],
            "township": doc["origin"][:9], "state": doc["state"], "state_label": label(doc["state"], is_voice(doc)),
            "submitted_on": doc["submitted_on"], "accepted_on": doc.get("accepted_on"), "due_on": due_on,
            "warning": doc.get("warning"), "escalation": doc.get("escalation")}


def _docs(conn, sql, args):
    return [(loads(r["doc"]), r["due_on"]) for r in conn.execute(sql, args)]


def department_inbox(conn, me, departments, limit=500, external=False):
    """Applications awaiting DEPARTMENTS (a set; '' in it means every department), soonest due first.

    EXTERNAL (an outside approval system is configured): cases handed to it are decided there, not here.
    """
    marks = ", ".join("?" * len(WORKING))
    handed = " AND id NOT IN (SELECT app_id FROM external_cases)" if external else ""
    rows = _docs(conn, f"SELECT doc, due_on FROM applications WHERE custody = ? AND state IN ({marks}){handed}"
                       " ORDER BY COALESCE(due_on, '9999'), last_hlc LIMIT ?", [me, *WORKING, limit])
    every = "" in departments
    return [_row(d, due) for d, due in rows if every or set(departments_of(d)) & set(departments)]


def escalations(conn, me):
    """Escalations from townships waiting for the county's answer."""
    return [_row(d, due) for d, due in _docs(conn, "SELECT doc, due_on FROM applications WHERE custody = ?"
                                                   " AND state = 'escalation_review' ORDER BY last_hlc", [me])]


def taken(conn, me):
    """Township cases the county reviewer took on escalation and decides here, not yet decided."""
    marks = ", ".join("?" * len(WORKING))
    rows = _docs(conn, f"SELECT doc, due_on FROM applications WHERE custody = ? AND state IN ({marks})"
                       " AND json_extract(doc, '$.escalation.resolution') = 'taken' ORDER BY last_hlc", [me, *WORKING])
    return [_row(d, due) for d, due in rows if taken_by_county(d, "county")]


def open_with_deadline(conn):
    """(doc, due_on) of every accepted, unfinished application with a deadline (for the supervision sweep)."""
    marks = ", ".join("?" * len(WORKING))
    return _docs(conn, f"SELECT doc, due_on FROM applications WHERE state IN ({marks}) AND accepted_on IS NOT NULL",
                 list(WORKING))


def open_rectifications(conn):
    """Projections with a bad rating whose rectification (整改) is still open, oldest first."""
    return [loads(r["doc"]) for r in conn.execute(
        "SELECT doc FROM applications WHERE json_extract(doc, '$.rectification.state') = 'open'"
        " ORDER BY json_extract(doc, '$.rectification.opened_on')")]


def warned(conn, level=None, department=None, township=None):
    """Unfinished applications carrying a supervision warning (of LEVEL), filtered by department and township."""
    marks = ", ".join("?" * len(WORKING))
    rows = [_row(d, due) for d, due in _docs(conn, "SELECT doc, due_on FROM applications"
                                                   f" WHERE json_extract(doc, '$.warning') IS NOT NULL AND state IN ({marks})"
                                                   " ORDER BY COALESCE(due_on, '9999')", list(WORKING))]
    return [r for r in rows if (not level or r["warning"] == level) and (not department or r["department"] == department)
            and (not township or r["township"] == township)]


def for_period(conn, start, end):
    """Projections that may count in [START, END]: submitted by END and not finished before START, or rated since."""
    return [loads(r["doc"]) for r in conn.execute(
        "SELECT doc FROM applications WHERE submitted_at <= ?"
        " AND (COALESCE(json_extract(doc, '$.decision.on'), '9999-12-31') >= ?"
        "      OR json_extract(doc, '$.rating.on') >= ?)", (end.isoformat(), start.isoformat(), start.isoformat()))]
