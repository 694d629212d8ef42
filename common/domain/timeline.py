"""An application's timeline in plain words, for villagers checking their progress.

Pure: takes the projection and its events, returns steps a person can read aloud. Events still
waiting to leave this node are marked, so "waiting for the network" is said instead of silence.
"""
from .application import event_date

STEP_KEYS = {
    "submitted", "received", "forwarded", "accepted", "not_accepted", "supplement_requested",
    "supplement_provided", "escalated", "escalation_answered", "step_passed", "step_returned",
    "approved", "denied", "delivered", "withdrawn", "withdrawal_requested", "consult_held", "callback_booked",
    "appointment_booked",
}


def steps(events, waiting=()):
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


def matches_secret(doc, last4):
    """True when LAST4 equals the last 4 characters of the applicant's ID number or phone (case-insensitive)."""
    last4 = str(last4 or "").strip().upper()
    if len(last4) != 4:
        return False
    a = doc.get("applicant", {})
    return last4 in {str(a.get("id_number", ""))[-4:].upper(), str(a.get("phone", ""))[-4:]} - {""}
