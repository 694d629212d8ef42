"""督办/催办 at the county: a supervisor urges the office holding a yellow or red case (docs/protocol.md `urged`).

The urge is an `urged` event on the case, appended by the county and replicated down to the
township holding it (its inbox marks the case) and to the village. When SMS is on it is also texted
to the active approvers of the department(s) the case awaits here who gave a mobile number; a
township's staff are not texted (their accounts and numbers live on the township's node, and only
the county talks to the gateway): they see the urge in their inbox once it syncs down.
"""
from common import clock as business_clock
from common.domain import urging
from common.domain.facts import awaiting
from common.domain.nodes import tier_of
from common.errors import Forbidden
from common.node import shared_clock
from common.store import applications, audit, users
from common.store.db import transaction

from . import sms
from . import sms_store
from .sms_gateway import gateway_for

LEVEL_WORDS = {"yellow": "即将到期", "red": "已超期"}


def urge(conn, cfg, app_id, user, kind, note):
    """Urge the office holding APP_ID as USER (a supervisor); returns (doc, texted: staff texted, or None when
    no text is sent: SMS off, or the case is a township's)."""
    me = cfg["code"]
    with transaction(conn):
        doc = applications.get(conn, app_id)
        if not urging.may_urge(doc, me, user["roles"]):
            raise Forbidden("只能对有黄牌或红牌预警、尚未办结的办件督办 / only an open case with a yellow or red warning "
                            "can be urged, by a supervisor", fix="the supervision page lists the warned cases")
        depts = awaiting(doc) if tier_of(doc["custody"]) == "county" else []
        today = business_clock.today(cfg).isoformat()
        payload = urging.payload_for(doc, kind, note, today, depts, user.get("display_name", ""))
        urging.check_not_repeated(doc, kind, today)
        doc = applications.append(conn, shared_clock(conn, cfg), me, app_id, "urged", user["username"], payload)
        texted = _text_staff(conn, cfg, doc, payload) if payload["departments"] else None
    return doc, texted


def _text_staff(conn, cfg, doc, payload):
    # Queued in the same transaction as the event: the urge and its texts stand or fall together.
    if gateway_for(cfg) is None:
        return None
    event_id = doc["urged"]["hlc"]
    params = dict(sms.params_of(doc), kind=urging.kind_label(payload["kind"]),
                  level=LEVEL_WORDS.get(payload["level"], ""))
    text = sms.render("urged_staff", params, cfg["sms_sign"])
    sent = []
    for username, phone in urging.recipients(users.all_users(conn), set(payload["departments"])):
        if sms_store.enqueue(conn, f"urge:{doc['id']}:{event_id}:{username}", doc["id"], phone, "urged_staff", params,
                             text):
            sent.append(username)
    audit.record(conn, "system:supervision", "supervision.urge_texted", doc["id"], {"staff": sent})
    return len(sent)


def case_extras(conn, doc, user):
    """What the county adds to a case's page: the states of the texts its latest urge sent to staff."""
    if not doc.get("urged"):
        return {"urge_texts": None}
    rows = sms_store.for_key_prefix(conn, f"urge:{doc['id']}:{doc['urged']['hlc']}:")
    counts = {}
    for r in rows:
        counts[r["state"]] = counts.get(r["state"], 0) + 1
    return {"urge_texts": counts}
