"""SQL behind the county's queues: department inboxes, escalations to review, warnings to supervise.

An application is in a department's inbox when the county holds it, it is not finished, and the
step awaiting a decision belongs to that department (a joint approval's pending branches each
belong to theirs; intake and single steps to the item's department).
"""
from common.domain.application import is_voice, label
from common.domain.decisions import taken_by_county
from common.domain.states import WORKING
from common.domain.facts import awaiting as departments_of
from common.domain.nodes import ancestor_of
from common.store.item_snapshots import doc_of
from common.paging import PAGE


def _row(doc, due_on):
    return {"id": doc["id"], "tracking_code": doc["tracking_code"], "item_code": doc["item"]["code"],
            "item_name": doc["item"]["name"], "department": doc["item"].get("department", ""),
            "awaiting": departments_of(doc), "applicant_name": doc["applicant"]["name"], "origin": doc["origin"],
            "township": ancestor_of(doc["origin"], "township"), "state": doc["state"], "state_label": label(doc["state"], is_voice(doc)),
            "submitted_on": doc["submitted_on"], "accepted_on": doc.get("accepted_on"), "due_on": due_on,
            "warning": doc.get("warning"), "escalation": doc.get("escalation"), "urged": doc.get("urged")}


def _docs(conn, sql, args):
    return [(doc_of(conn, r["doc"]), r["due_on"]) for r in conn.execute(sql, args)]


def department_inbox(conn, me, departments, limit=PAGE, external=False, offset=0):
    """Applications awaiting DEPARTMENTS (a set; '' in it means every department), soonest due first.

    EXTERNAL (an outside approval system is configured): cases handed to it are decided there, not
    here. A page of LIMIT from OFFSET, read from one index range however many cases the county holds.
    """
    marks = ", ".join("?" * len(WORKING))
    handed = " AND a.id NOT IN (SELECT app_id FROM external_cases)" if external else ""
    if "" in departments:
        sql = (f"SELECT a.doc, a.due_on FROM applications a WHERE a.custody = ? AND a.state IN ({marks}){handed}"
               " ORDER BY COALESCE(a.due_on, '9999'), a.last_hlc LIMIT ? OFFSET ?")
        args = [me, *WORKING, limit, offset]
    else:
        depts = sorted(departments)
        sql = (f"SELECT a.doc, a.due_on FROM applications a WHERE a.id IN (SELECT app_id FROM app_awaiting"
               f" WHERE department IN ({', '.join('?' * len(depts))})) AND a.custody = ? AND a.state IN ({marks})"
               f"{handed} ORDER BY COALESCE(a.due_on, '9999'), a.last_hlc LIMIT ? OFFSET ?")
        args = [*depts, me, *WORKING, limit, offset]
    return [_row(d, due) for d, due in _docs(conn, sql, args)]


def escalations(conn, me):
    """Escalations from townships waiting for the county's answer."""
    return [_row(d, due) for d, due in _docs(conn, "SELECT doc, due_on FROM applications WHERE custody = ?"
                                                   " AND state = 'escalation_review' ORDER BY last_hlc", [me])]


def taken(conn, me):
    """Township cases the county reviewer took on escalation and decides here, not yet decided."""
    marks = ", ".join("?" * len(WORKING))
    rows = _docs(conn, f"SELECT doc, due_on FROM applications WHERE custody = ? AND state IN ({marks})"
                       " AND escalation_resolution = 'taken' ORDER BY last_hlc", [me, *WORKING])
    return [_row(d, due) for d, due in rows if taken_by_county(d, "county")]


def open_with_deadline(conn, chunk=500):
    """(doc, due_on) of every accepted, unfinished application whose warning can still rise (not red yet):
    what the supervision sweep looks at, read CHUNK at a time (ten years hold tens of thousands)."""
    marks = ", ".join("?" * len(WORKING))
    ids = [r[0] for r in conn.execute(f"SELECT id FROM applications WHERE state IN ({marks})"
                                      " AND accepted_on IS NOT NULL AND warning IS NOT 'red'", list(WORKING))]
    for k in range(0, len(ids), chunk):
        part = ids[k:k + chunk]
        yield from _docs(conn, f"SELECT doc, due_on FROM applications WHERE id IN ({', '.join('?' * len(part))})",
                         part)


def rectifications_to_sweep(conn, chunk=500):
    """Projections whose rectification is open and not red yet (the only ones whose warning can rise), CHUNK at a time."""
    ids = [r[0] for r in conn.execute("SELECT id FROM applications WHERE rectification = 'open'"
                                      " AND json_extract(doc, '$.rectification.warning') IS NOT 'red'")]
    for k in range(0, len(ids), chunk):
        part = ids[k:k + chunk]
        rows = conn.execute(f"SELECT doc FROM applications WHERE id IN ({', '.join('?' * len(part))})", part).fetchall()
        yield from (doc_of(conn, r[0]) for r in rows)  # (read whole: the sweep writes between chunks)


def open_rectifications(conn, limit=None, offset=0):
    """Projections with a bad rating whose rectification (整改) is still open, oldest first (LIMIT of them from OFFSET)."""
    return [doc_of(conn, r["doc"]) for r in conn.execute(
        "SELECT doc FROM applications WHERE rectification = 'open' ORDER BY rectification_opened LIMIT ? OFFSET ?",
        (-1 if limit is None else limit, offset))]


def warned(conn, level=None, department=None, township=None, limit=PAGE, offset=0):
    """Unfinished applications carrying a supervision warning (of LEVEL), filtered by department and township,
    soonest due first: a page of LIMIT from OFFSET."""
    marks = ", ".join("?" * len(WORKING))
    where, args = [f"warning IS NOT NULL AND state IN ({marks})"], list(WORKING)
    if level:
        where.append("warning = ?")
        args.append(level)
    if department:
        where.append("department = ?")
        args.append(department)
    if township:  # a township's code prefixes its own and its villages' codes
        where.append("substr(origin, 1, ?) = ?")
        args += [len(township), township]
    return [_row(d, due) for d, due in _docs(conn, f"SELECT doc, due_on FROM applications WHERE {' AND '.join(where)}"
                                                   " ORDER BY COALESCE(due_on, '9999'), id LIMIT ? OFFSET ?",
                                             [*args, limit, offset])]


def for_period(conn, start, end):
    """Projections that may count in [START, END]: submitted by END and not finished before START, or rated since."""
    return [doc_of(conn, r["doc"]) for r in conn.execute(
        "SELECT doc FROM applications WHERE submitted_at <= ?"
        " AND (COALESCE(json_extract(doc, '$.decision.on'), '9999-12-31') >= ?"
        "      OR json_extract(doc, '$.rating.on') >= ?)", (end.isoformat(), start.isoformat(), start.isoformat()))]


def awaiting_counts(conn, me):
    """{department: cases the county holds that await it}, from the awaiting index (one row a department)."""
    marks = ", ".join("?" * len(WORKING))
    return dict(conn.execute(f"SELECT w.department, COUNT(*) FROM app_awaiting w JOIN applications a ON a.id = w.app_id"
                             f" WHERE a.custody = ? AND a.state IN ({marks}) GROUP BY w.department", [me, *WORKING]))


def awaiting_docs(conn, me, departments, limit=200):
    """Up to LIMIT projections the county holds that await one of DEPARTMENTS, soonest due first."""
    if not departments:
        return []
    depts, marks = sorted(departments), ", ".join("?" * len(WORKING))
    return [d for d, _ in _docs(conn, f"SELECT a.doc, a.due_on FROM applications a WHERE a.id IN (SELECT app_id FROM"
                                      f" app_awaiting WHERE department IN ({', '.join('?' * len(depts))}))"
                                      f" AND a.custody = ? AND a.state IN ({marks})"
                                      " ORDER BY COALESCE(a.due_on, '9999') LIMIT ?", [*depts, me, *WORKING, limit])]


def reviewer_count(conn, me):
    """How many cases wait for the county's reviewer: escalations under review and cases it took (not routed)."""
    review = conn.execute("SELECT COUNT(*) FROM applications WHERE custody = ? AND state = 'escalation_review'",
                          (me,)).fetchone()[0]
    return review + len(taken(conn, me))  # (routed ones are the department's: in the awaiting index)
