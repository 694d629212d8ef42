"""Making a case's papers (文书): the one function every entry point calls to get a paper's PDF.

A paper is made the first time it is asked for (at the window, by the department, at the kiosk)
from the events this node holds, and kept (common/store/documents.py): printed again, it is the
same bytes, as handed over the first time.
"""
import threading

from . import pdf
from .domain import documents
from .domain.application import project
from .domain.nodes import tier_of
from .errors import NotFound
from .store import applications
from .store import documents as store

# One paper is drawn at a time in a process: drawing takes a fifth of a second and tens of MB, and
# two first asks for the same paper (two clicks, two windows) must not both draw it.
_drawing = threading.Lock()

# Who issued a paper when its event does not name the office (events made before it did).
TIER_OFFICE = {"village": "村为民服务室", "township": "乡镇为民服务中心", "county": "县政务服务中心"}


def status_url(base, tracking_code):
    """The status address of TRACKING_CODE under BASE (the node's public address, ending in /)."""
    return f"{base.rstrip('/')}/kiosk/status/{tracking_code}"


def office_for(cfg, event):
    """The office that issued EVENT's paper: this node's name for its own events, else as the event says."""
    if event["origin"] == cfg["code"] and cfg.get("name"):
        return str(cfg["name"])[:documents.OFFICE_MAX]
    return documents.office_of(event, TIER_OFFICE.get(tier_of(event["origin"]), ""))


def as_issued(conn, events, event):
    """The case as it stood when EVENT was written (EVENTS: all the case's events): a paper says what
    was true the day it was issued — the materials handed in then, the due date promised then — not
    what later events (a 补正, a new deadline) made of the case."""
    upto = [e for e in events if (e["hlc"], e["id"]) <= (event["hlc"], event["id"])]
    return applications.with_deadline(conn, project(upto))


def listed(conn, doc):
    """The papers DOC's events give: [{kind, event_id, title, title_en, on, made}] (made: kept here already)."""
    made = store.made_for(conn, doc["id"])
    return [dict(p, made=p["event_id"] in made) for p in documents.papers_of(applications.events(conn, doc["id"]))]


def paper(conn, cfg, doc, event_id):
    """The kept paper ({kind, sha256, size, pdf, …}) of DOC's event EVENT_ID, made now if it is the first ask.

    NotFound when the event gives no paper. Needs a Flask app context (the template).
    """
    events = applications.events(conn, doc["id"])
    event = next((e for e in events if e["id"] == event_id), None)
    kind = documents.KIND_OF_EVENT.get(event["type"]) if event else None
    if kind is None:
        raise NotFound("这件申请没有这份文书 / this application has no such paper",
                       fix="open the application again and choose one of the papers listed")
    held = store.get(conn, event_id, kind)
    if held:
        return held
    with _drawing:
        held = store.get(conn, event_id, kind)  # drawn by the ask we waited for
        if held:
            return held
        said = said_of(conn, cfg, doc, events, event)
        body = pdf.render("documents/paper.html", paper=said, qr=pdf.qr_svg(said["link"]),
                          qr_is_link=bool(cfg.get("public_url")))
        return store.keep(conn, doc["id"], event_id, kind, body)


def said_of(conn, cfg, doc, events, event):
    """What the paper of EVENT says, as issued (see `as_issued`), with this node's status link in its QR."""
    link = status_url(cfg["public_url"], doc["tracking_code"]) if cfg.get("public_url") else ""
    return documents.content(as_issued(conn, events, event), event, office_for(cfg, event), link)
