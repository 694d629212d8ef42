"""What a receipt (回执) says: tracking code, QR of the status address, item, dates, what happens next.

The promised deadline is counted from today on the working-day calendar and marked provisional:
the clock really starts when the deciding tier accepts the application (受理).
"""
from datetime import date

import segno
from markupsafe import Markup

from common.idcard import mask_id
from common.papers import status_url
from common.store import applications, outbox, sync_status
from common.store import calendar as cal_store


def qr_svg(url, title):
    """An inline SVG QR code (segno, error correction M) of URL, sized by CSS."""
    svg = segno.make(url, error="m").svg_inline(scale=1, border=4, omitsize=True, title=title)
    label = str(Markup.escape(title))
    return Markup(svg.replace("<svg ", f'<svg role="img" aria-label="{label}" ', 1))


DELIVERY = ("confirmed", "sending", "offline", "refused")


def delivery(conn, event_ids):
    """Where EVENT_IDS stand on their way up, as the screen may say it: 'confirmed' (the township
    acknowledged every one and refused none), 'refused' (it acknowledged one it would not take: the
    clerk must look), 'sending' (the line is up, its confirmation not in yet) or 'offline' (the line
    to the township is down: they wait here). Never "down" while the line is up."""
    event_ids = list(event_ids)
    if sync_status.refused_ids(conn, event_ids):
        return "refused"
    if not outbox.unacknowledged(conn, outbox.UP, event_ids):
        return "confirmed"
    return "sending" if sync_status.link_state(conn, outbox.UP) == "up" else "offline"


def build(conn, doc, public_url):
    """The receipt of application DOC (a projection with its deadline) as a dict for the page and the API.

    Its status address (and QR code) only when PUBLIC_URL, an address people can open from their
    own phones, is configured: the kiosk's own address means nothing on a phone.
    """
    submitted = date.fromisoformat(doc["submitted_on"])
    cal = cal_store.load_cached(conn)
    if doc.get("due_on"):
        due, provisional = doc["due_on"], bool(doc.get("due_provisional"))
    else:
        # Not yet accepted: counted as if accepted today, and said to be an estimate.
        due, provisional = cal.add_working_days(submitted, doc["limit_days"]).isoformat(), True
    event_ids = [e["id"] for e in applications.events(conn, doc["id"]) if e["type"] == "submitted"]
    item = doc["item"]
    url = status_url(public_url, doc["tracking_code"]) if public_url else None
    return {
        "id": doc["id"], "tracking_code": doc["tracking_code"], "status_url": url,
        "item": {"code": item["code"], "name": item["name"], "department": item["department"],
                 "decide_tier": item["decide_tier"], "promised_days": item["promised_days"]},
        "applicant": {"name": doc["applicant"]["name"], "id_number": mask_id(doc["applicant"]["id_number"])},
        "proxy_by": doc.get("proxy_by", ""), "submitted_on": doc["submitted_on"], "state": doc["state"],
        "due_on": due, "due_provisional": provisional,
        "materials": len(doc.get("materials", [])),
        "delivery": (sent := delivery(conn, event_ids)),
        "waiting_for_network": sent == "offline",
    }
