"""Sending the SMS outbox: the gateways (HTTP, file) and the scheduler's round.

`sms_gateway` chooses the gateway: empty (no SMS), `file` or `file:/path` (each message appended
as a JSON line, for the demo and drills), or an http(s) address: each message is POSTed as JSON
with an Idempotency-Key (its key), so a retry after a lost answer makes no second text at a gateway
that honours it. Wire format: docs/sms.md. A round turns new events into messages (once each, by
key), invites finished unrated applications to rate, and sends what is due; failures are retried
with backoff, permanent refusals (4xx) kept as failed with the gateway's reason. Logs show masked
numbers only.
"""
import json
import logging
import threading
from datetime import timedelta
from pathlib import Path

from common import clock as business_clock
from common.store import applications
from common.store.db import transaction

from . import sms
from . import sms_store as store

log = logging.getLogger("sanji.sms")
TIMEOUT = 10
_FILE_LOCK = threading.Lock()


class GatewayError(Exception):
    """A send that failed; PERMANENT when retrying cannot help."""

    def __init__(self, message, permanent=False):
        super().__init__(message)
        self.permanent = permanent


class FileGateway:
    """Appends each message to a JSON-lines file (the demo's "phone")."""

    def __init__(self, path):
        self.path = Path(path)

    def send(self, key, phone, text, template, params):
        """Append the message; returns a reference."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps({"id": key, "to": phone, "text": text, "template": template}, ensure_ascii=False)
        with _FILE_LOCK, open(self.path, "a", encoding="utf-8") as f:
            f.write(line + "\n")
        return key


class HttpGateway:
    """POSTs each message to an SMS gateway's HTTP API (docs/sms.md)."""

    def __init__(self, url, token="", session=None):
        import requests  # lazy: ~30 ms the county pays only when an HTTP gateway is set
        self.url, self.token, self.http = url, token, session or requests.Session()

    def send(self, key, phone, text, template, params):
        """POST the message; returns the gateway's id. GatewayError on failure."""
        headers = {"Idempotency-Key": key}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        try:
            r = self.http.post(self.url, json={"id": key, "to": phone, "text": text, "template": template,
                                               "params": params}, headers=headers, timeout=TIMEOUT)
        except Exception as exc:  # refused, reset, timed out: the gateway is away; try again later
            raise GatewayError(f"gateway unreachable: {type(exc).__name__}") from exc
        if r.status_code >= 300:
            raise GatewayError(f"gateway answered {r.status_code}: {r.text[:200]}", permanent=sms.permanent(r.status_code))
        try:
            return str(r.json().get("id", ""))
        except ValueError:
            return ""


def gateway_for(cfg):
    """The gateway `sms_gateway` names, or None when SMS is off."""
    spec = str(cfg["sms_gateway"] or "").strip()
    if not spec:
        return None
    if spec == "file" or spec.startswith("file:"):
        path = spec[5:] or str(Path(cfg.data_dir) / "sms-sent.jsonl")
        return FileGateway(path)
    return HttpGateway(spec, cfg["sms_token"])


def queue_from_events(conn, cfg):
    """Turn events stored since the last round into messages (and opt-outs); returns how many were queued."""
    queued = 0
    while True:
        batch = store.new_events(conn)
        if not batch:
            return queued
        with transaction(conn):
            for rowid, event in batch:
                doc = applications.get(conn, event["app_id"])
                phone = str(doc["applicant"].get("phone", ""))
                if event["type"] == "sms_opted_out" and phone:
                    store.opt_out(conn, phone, "kiosk")
                    continue
                found = sms.for_event(event, applications.with_deadline(conn, doc))
                if found:
                    key, template, params = found
                    queued += store.enqueue(conn, key, doc["id"], phone, template, params,
                                            sms.render(template, params, cfg["sms_sign"]))
            store.move_cursor(conn, batch[-1][0])


def queue_rate_invites(conn, cfg):
    """Invite the applicants of cases finished `sms_rate_invite_days` ago (up to a week late) to rate; returns count."""
    last = business_clock.today(cfg) - timedelta(days=cfg["sms_rate_invite_days"])
    queued = 0
    with transaction(conn):
        for doc in store.rate_invites_due(conn, (last - timedelta(days=7)).isoformat(), last.isoformat()):
            phone = str(doc["applicant"].get("phone", ""))
            if sms.PHONE_RE.match(phone):
                params = sms.params_of(doc)
                queued += store.enqueue(conn, f"rate:{doc['id']}", doc["id"], phone, "rate_invite", params,
                                        sms.render("rate_invite", params, cfg["sms_sign"]))
    return queued


def send_due(conn, cfg, gateway):
    """Send every due message through GATEWAY; returns {sent, failed, retrying, skipped}."""
    counts = {"sent": 0, "failed": 0, "retrying": 0, "skipped": 0}
    for row in store.due(conn):
        if store.opted_out(conn, row["phone"]):
            store.finish(conn, row["id"], "skipped", error="opted out")
            counts["skipped"] += 1
            continue
        try:
            ref = gateway.send(row["id"], row["phone"], row["text"], row["template"], json.loads(row["params"]))
        except GatewayError as exc:
            if exc.permanent:
                store.finish(conn, row["id"], "failed", error=str(exc))
                counts["failed"] += 1
            else:
                store.retry_later(conn, row, exc, sms.backoff(row["attempts"], cfg["sms_retry_seconds"]))
                counts["retrying"] += 1
            log.warning("sms %s to %s not sent: %s", row["id"], sms.mask(row["phone"]), exc)
            continue
        store.finish(conn, row["id"], "sent", gateway_ref=ref or "")
        log.info("sms %s sent to %s (%s)", row["id"], sms.mask(row["phone"]), row["template"])
        counts["sent"] += 1
    return counts


def job(conn, cfg):
    """The scheduler's round: queue from events and invitations, then send; nothing when SMS is off."""
    gateway = gateway_for(cfg)
    if gateway is None:
        with transaction(conn):  # nothing is owed for the time SMS was off
            store.skip_to_end(conn)
        return None
    queued = queue_from_events(conn, cfg) + queue_rate_invites(conn, cfg)
    return dict(send_due(conn, cfg, gateway), queued=queued)
