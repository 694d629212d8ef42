"""Electronic supervision (电子监察): yellow and red warnings on deadlines, and flags on what looks wrong.

`assess` is pure: an application, its deadline, the calendar, today and the rules give a warning
(or none). `sweep` runs it over every open accepted application not red already (the only ones
whose warning can rise) and records each new or
stronger warning as a `warning_raised` event by the system actor; running it twice on the same
day records nothing more. Open rectifications of bad ratings (差评整改) are watched the same way
(`rectify_days` working days from the rating). The rules are data in the node's meta table, changed by a
supervisor or an administrator on /supervision/rules or through the API; deadlines come from the calendar as it is now, so a calendar
change moves them at the next sweep.
"""
from datetime import date

from common import clock as business_clock
from common.domain import deadlines
from common.domain.application import step_deadlines
from common.domain.payloads import WARNING_LEVELS
from common.errors import ValidationError
from common.jsontext import dumps, loads
from common.node import shared_clock
from common.store import applications, audit, catalog, meta
from common.store import calendar as cal_store
from common.store.db import transaction

from . import queues

ACTOR = "system:supervision"
LEVELS = (None, *WARNING_LEVELS)
DEFAULT_RULES = {"yellow_days_left": deadlines.YELLOW_DAYS_LEFT, "repeat_supplements": 2, "check_fee": True, "rectify_days": 5}
# Each whole-number rule's sensible range (working days, or supplement rounds; 0 rounds: no such flag).
RULE_BOUNDS = {"yellow_days_left": (0, 30), "repeat_supplements": (0, 20), "rectify_days": (1, 60)}


def rules(conn):
    """The supervision rules in force (defaults for any not set)."""
    stored = meta.get(conn, "supervision_rules")
    return dict(DEFAULT_RULES, **(loads(stored) if stored else {}))


def set_rules(conn, new, actor):
    """Replace the rules with NEW (validated: only known keys, whole numbers ≥ 0 or true/false)."""
    if not isinstance(new, dict):
        raise ValidationError("规则须是对象 / the rules must be an object", details=list(DEFAULT_RULES),
                              fix='send e.g. {"yellow_days_left": 3}')
    bad = [k for k in new if k not in DEFAULT_RULES]
    # bool is an int in Python: `true` is no number of days, and 1 is no yes/no.
    bad += [k for k, v in new.items() if k in DEFAULT_RULES and type(v) is not type(DEFAULT_RULES[k])]
    bad += [k for k, v in new.items() if k in RULE_BOUNDS and type(v) is int
            and not RULE_BOUNDS[k][0] <= v <= RULE_BOUNDS[k][1]]
    if bad:
        ranges = "; ".join(f"{k} {lo}–{hi}" for k, (lo, hi) in RULE_BOUNDS.items())
        raise ValidationError(f"无效的规则 / invalid rules: {', '.join(sorted(set(map(str, bad))))}",
                              fix=f"whole numbers {ranges}; check_fee true or false")
    merged = dict(rules(conn), **new)
    with transaction(conn):
        meta.put(conn, "supervision_rules", dumps(merged))
        audit.record(conn, actor, "supervision.rules_changed", "supervision_rules", merged)
    return merged


def steps_overdue(doc, cal, today):
    """The current steps past their own limit on TODAY."""
    return [s for s in step_deadlines(doc, cal) if today > s["due"]]


def assess(doc, due_on, cal, today, rule, catalog_fee=None):
    """(level, reason) of the warning DOC deserves TODAY, or (None, '').

    Red: past its deadline. Yellow: RULE['yellow_days_left'] working days or fewer left, a step
    past its own limit (a flow step's `days`, counted from when it started), asked
    for documents RULE['repeat_supplements'] times or more, or a fee other than the catalog's.
    No deadline warning while the clock is paused for documents (补正).
    """
    level = deadlines.light(doc, due_on, cal, today, rule["yellow_days_left"])  # the light every tier shows
    if level:
        left = cal.remaining(today, date.fromisoformat(due_on))
        if level == "red":
            return "red", f"已超期 {-left} 个工作日 / overdue by {-left} working days"
        return "yellow", f"距办结时限还剩 {left} 个工作日 / {left} working days left"
    late = steps_overdue(doc, cal, today)
    if late:
        return "yellow", f"环节“{late[0]['name']}”超过 {late[0]['days']} 个工作日时限 / a step is past its own limit"
    if rule["repeat_supplements"] and len(doc.get("pauses", [])) >= rule["repeat_supplements"]:
        return "yellow", f"已 {len(doc['pauses'])} 次要求补正 / documents asked for repeatedly"
    if rule["check_fee"] and catalog_fee is not None and float(doc["item"].get("fee", 0)) != float(catalog_fee):
        return "yellow", f"收费 {doc['item'].get('fee')} 元与目录 {catalog_fee} 元不符 / fee differs from the catalog"
    return None, ""


def rectification_due(doc, cal, rule):
    """The day a bad rating's rectification must be done by: `rectify_days` working days after it was opened."""
    return cal.add_working_days(date.fromisoformat(doc["rectification"]["opened_on"]), rule["rectify_days"])


def assess_rectification(doc, cal, today, rule):
    """(level, reason) for DOC's open rectification TODAY: red once overdue, yellow when few days are left."""
    due = rectification_due(doc, cal, rule)
    left = cal.remaining(today, due)
    if left < 0:
        return "red", f"差评整改已超期 {-left} 个工作日 / rectification overdue by {-left} working days", due
    if left <= rule["yellow_days_left"]:
        return "yellow", f"差评整改还剩 {left} 个工作日 / {left} working days left to rectify", due
    return None, "", due


RAISES_PER_COMMIT = 100  # warnings a transaction: as fast as 500 (3.7 s vs 3.9 s for 4,511) and holds the write lock ~0.1 s


def sweep(conn, cfg, today=None):
    """Record the warnings due TODAY (default: the node's business date); returns how many were raised.

    Raised in transactions of RAISES_PER_COMMIT (a commit each made a catch-up sweep raising 4,511
    at 240,000 applications take 10.9 s, 20,801 at 1.2 million three minutes); each warning is still
    its own event, and staff writing meanwhile wait for one short transaction at most.
    """
    today = today or business_clock.today(cfg)
    cal, rule = cal_store.load_cached(conn), rules(conn)
    fees = {it["code"]: it["fee"] for it in catalog.items(conn)}
    due = []

    def found():
        for doc, _stored_due in queues.open_with_deadline(conn):
            due_on = applications.with_deadline(conn, doc, cal)["due_on"]  # today's calendar, not the stored one
            level, reason = assess(doc, due_on, cal, today, rule, fees.get(doc["item"]["code"]))
            if LEVELS.index(level) > LEVELS.index(doc.get("warning")):
                yield doc["id"], {"level": level, "reason": reason, "due_on": due_on, "on": today.isoformat()}
        for doc in queues.rectifications_to_sweep(conn):  # (a red one cannot rise)
            level, reason, when = assess_rectification(doc, cal, today, rule)
            if LEVELS.index(level) > LEVELS.index(doc["rectification"].get("warning")):
                yield doc["id"], {"level": level, "reason": reason, "due_on": when.isoformat(),
                                  "on": today.isoformat(), "about": "rectification"}

    raised = 0
    for app_id, payload in found():
        due.append((app_id, payload))
        if len(due) >= RAISES_PER_COMMIT:
            raised += _raise(conn, cfg, due)
    return raised + _raise(conn, cfg, due)


def _raise(conn, cfg, due):
    n = 0
    with transaction(conn):
        for app_id, payload in due:
            # Checked again under the write lock: another sweep (the scheduler's and one asked for by
            # an administrator) may have raised it since it was read, and a warning is raised once.
            doc = applications.get(conn, app_id)
            held = (doc.get("rectification") or {}).get("warning") if payload.get("about") == "rectification" \
                else doc.get("warning")
            if LEVELS.index(payload["level"]) > LEVELS.index(held):
                applications.append(conn, shared_clock(conn, cfg), cfg["code"], app_id, "warning_raised", ACTOR,
                                    payload)
                n += 1
    due[:] = []
    return n


def sweep_job(conn, cfg):
    """The scheduler's entry: one sweep for today."""
    return sweep(conn, cfg)
