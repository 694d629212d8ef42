"""The external approval adapter: hand cases to an outside approval system over HTTP, bring its decisions back.

Set `approval_url` and every case the county takes is queued (external_store, durable), POSTed to
`{approval_url}/cases` with an Idempotency-Key (a retry after a lost answer makes no duplicate),
then polled at `{approval_url}/cases/{id}`; the outside system may also call back at
`/api/v1/external/callback` with the bearer token `approval_token`. A failure is kept with its
error and tried again with exponential backoff; nothing is lost while the system is down, and the
dashboard shows how many cases wait and why. Decisions come back as the events our own flow would
have (accepted, each step passed, approved; or denied, not accepted, a supplement request), by the
actor "external:approval", and flow down to the village like any other. Wire format: docs/approval-adapter.md.
"""
import logging
from datetime import datetime, timedelta, timezone

from common.domain import application as model
from common.domain.states import AWAITING_INTAKE, FINISHED, OUTCOMES
from common.errors import ValidationError
from common.node import shared_clock
from common.store import applications
from common.store.db import now_iso, transaction

from . import external_store as store

log = logging.getLogger("sanji.external")
ACTOR = "external:approval"
STATUSES = ("received", "accepted", "supplement", "approved", "denied", "not_accepted")
TIMEOUT = 10


def backoff(attempts):
    """Seconds to wait after ATTEMPTS failures: 5, 10, 20, … capped at 10 minutes."""
    return min(600, 5 * 2 ** min(attempts, 10))


def case_body(doc):
    """What the outside system receives for application DOC."""
    return {"sanji_id": doc["id"], "tracking_code": doc["tracking_code"], "submitted_on": doc["submitted_on"],
            "item": {k: doc["item"][k] for k in ("code", "name", "department", "promised_days")},
            "applicant": doc["applicant"], "form": doc.get("form", {}),
            "materials": [{"sha256": m.get("sha256"), "name": m.get("name")} for m in doc.get("materials", [])
                          if isinstance(m, dict)]}


def _fake(doc, kind, payload):
    return {"id": "sim", "app_id": doc["id"], "origin": doc["custody"], "hlc": doc["last_hlc"], "actor": ACTOR,
            "type": kind, "payload": payload}


def events_for(doc, remote):
    """[(event type, payload)] that bring DOC to the REMOTE status ({status, reason, missing, note}); pure."""
    status = remote.get("status")
    if status not in STATUSES:
        raise ValidationError(f"unknown status {status!r}", fix=f"status is one of {', '.join(STATUSES)}")
    out, state = [], doc["state"]
    reason = str(remote.get("reason") or "外部审批系统决定")[:500]

    def step(kind, payload=None):
        nonlocal doc
        doc = model.apply(doc, _fake(doc, kind, payload or {}), strict=True)
        out.append((kind, payload or {}))

    if state in FINISHED or status == "received":
        return out
    if status == "not_accepted":
        if state in AWAITING_INTAKE:
            step("not_accepted", {"reason": reason})
        return out
    if status == "supplement":
        if state != "supplement":
            step("supplement_requested", {"missing": list(remote.get("missing") or ["补正材料"]), "reason": reason})
        return out
    if state in AWAITING_INTAKE:
        step("accepted")
    if status == "denied":
        step("denied", {"reason": reason})
    elif status == "approved":
        while not model.flow_done(doc):
            for s in model.current_steps(doc):
                step("step_passed", {"step": s["id"]})
        step("approved", {"note": str(remote.get("note") or "")[:500]})
    return out


def apply_remote(conn, cfg, app_id, remote):
    """Append what REMOTE says about APP_ID (one transaction); returns the event types appended."""
    me = cfg["code"]
    with transaction(conn):
        doc = applications.get(conn, app_id)
        kinds = events_for(doc, remote)
        for kind, payload in kinds:
            applications.append(conn, shared_clock(conn, cfg), me, app_id, kind, ACTOR, payload)
        store.update(conn, app_id, remote_status=remote["status"], last_error="",
                     state="done" if remote["status"] in OUTCOMES else "submitted",
                     next_try=_later(cfg["approval_poll_seconds"]))
    return [k for k, _ in kinds]


def _later(seconds):
    return (datetime.now(timezone.utc) + timedelta(seconds=seconds)).isoformat(timespec="milliseconds")


def run(conn, cfg, http=None):
    """One round: queue arrivals, hand over what is pending, poll what is out; returns counts."""
    import requests  # lazy: ~30 ms the county pays only when an approval system is set
    http = http or requests.Session()
    base, token = cfg["approval_url"].rstrip("/"), cfg["approval_token"]
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    counts = {"queued": store.enqueue_arrivals(conn, cfg["code"]), "submitted": 0, "updated": 0, "failed": 0}
    for row in store.due(conn, "pending"):
        try:
            doc = applications.get(conn, row["app_id"])
            r = http.post(f"{base}/cases", json=case_body(doc), timeout=TIMEOUT,
                          headers=dict(headers, **{"Idempotency-Key": row["app_id"]}))
            r.raise_for_status()
            external_id = str(r.json()["id"])
        except Exception as exc:  # an outage, a refusal or nonsense: keep the case and try again later
            store.failed(conn, row, exc, backoff(row["attempts"]))
            counts["failed"] += 1
            continue
        with transaction(conn):
            store.update(conn, row["app_id"], state="submitted", external_id=external_id, attempts=0, last_error="",
                         next_try=now_iso())
        counts["submitted"] += 1
    for row in store.due(conn, "submitted"):
        try:
            r = http.get(f"{base}/cases/{row['external_id']}", timeout=TIMEOUT, headers=headers)
            r.raise_for_status()
            apply_remote(conn, cfg, row["app_id"], r.json())
        except Exception as exc:
            log.warning("external approval: %s: %s", row["app_id"], exc)
            store.failed(conn, row, exc, backoff(row["attempts"]))
            counts["failed"] += 1
            continue
        counts["updated"] += 1
    return counts


def job(conn, cfg):
    """The scheduler's entry: a round when an external approval system is configured."""
    if cfg["approval_url"]:
        return run(conn, cfg)
    return None
