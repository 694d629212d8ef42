"""The villagers' touchscreen (适老化): start screen, finding a service and reading its guide.

Pages follow GOV.UK's patterns (one thing per page, plain words, big targets) and need nothing
from outside the node. The idle reset lives here too: after a while without a touch the page
warns, then asks the node to forget the person (`forget_person`) and returns to the start.
"""
from urllib.parse import urlparse

from flask import Blueprint, current_app, g, render_template, request, send_file, session, url_for

from common.domain import catalog_search
from common.errors import NotFound
from common.store import catalog
from common.web import get_db, public
from common.web.access import csrf_exempt
from common.web.context import lang
from common.web.json_body import json_object

from . import drafts, speech

PERSONAL_KEYS = ("draft", "done", "viewing")


def idle_reset_seconds(cfg, drafting):
    """Seconds without a touch before the kiosk forgets the person: longer while DRAFTING (an
    application begun: they may have gone for the 户口簿), never shorter than the plain reset
    (a node set up before the longer one existed may have a plain reset above its default)."""
    plain = int(cfg["kiosk_idle_reset_seconds"])
    return max(plain, int(cfg["kiosk_idle_reset_with_data_seconds"])) if drafting else plain


def forget_person(conn, data_dir):
    """Delete everything of the person at the kiosk: their draft and its photos, and the session itself.

    A signed-in clerk keeps the sign-in (the clerk is not the person being served); a villager's
    session row is deleted and its cookie cleared.
    """
    drafts.discard(conn, data_dir, session.get("draft"))
    if g.get("user"):
        for key in PERSONAL_KEYS:
            session.pop(key, None)
    else:
        session.revoke()


def _departments(conn):
    return {d["code"]: d for d in catalog.departments(conn)}


def _list(title, items, conn, back, query=""):
    # Nothing found: the search box again and the life events to start from, not a dead end.
    events = catalog_search.life_events(catalog.items(conn)) if query and not items else []
    return render_template("kiosk/list.html", title=title, items=items, total=len(items),
                           departments=_departments(conn), back=back, query=query, life_events=events)


def _back_path():
    """The page the person came from, when it is one of this node's own (for an error page's back button)."""
    ref = urlparse(request.referrer or "")
    if ref.netloc == request.host and ref.path.startswith("/") and ref.path != request.path:
        return ref.path
    return ""


# The `kiosk` blueprint under /kiosk (public: villagers do not sign in).
bp = Blueprint("kiosk", __name__, url_prefix="/kiosk", template_folder="templates",
               static_folder="static", static_url_path="/assets")


@bp.app_context_processor
def _idle():
    cfg = current_app.config["SANJI"]
    personal = any(k in session for k in PERSONAL_KEYS)
    # While an application is being filled in the person may have gone to fetch a document:
    # wait longer before wiping it (a receipt or a looked-up case shown to the next person
    # who walks up is not worth waiting for); the warning's countdown is as long either way.
    reset = idle_reset_seconds(cfg, "draft" in session)
    lead = cfg["kiosk_idle_reset_seconds"] - cfg["kiosk_idle_warn_seconds"]
    return {"idle": {"warn": reset - lead, "reset": reset,
                     "armed": personal or request.endpoint != "kiosk.start",
                     "home": url_for("tier.home") if g.get("user") else url_for("kiosk.start")},
            "back_path": _back_path(), "node_voice": speech.available(cfg, lang())}


@bp.post("/reset")
@public
@csrf_exempt  # it only ever deletes the caller's own state, and must work from sendBeacon
def reset():
    """The idle reset: forget the person at the kiosk (draft, photos, session)."""
    forget_person(get_db(), current_app.config["SANJI"].data_dir)
    return "", 204


@bp.post("/speech")
@public
@csrf_exempt  # it changes nothing but a bounded cache of audio, and another site cannot read the answer
def speak():
    """JSON {text} → a WAV of it in the page's language, made by the node (for browsers without a voice)."""
    body = json_object(fix='send {"text": …}')
    path = speech.audio(current_app.config["SANJI"], body.get("text"), lang())
    return send_file(path, mimetype="audio/wav", max_age=3600)


@bp.post("/alive")
@public
@csrf_exempt  # it only ever keeps the caller's own draft from the purge, and is sent by a timer
def alive():
    """The person touched the screen (or pressed 继续): their draft is still in use."""
    if session.get("draft"):
        drafts.touch(get_db(), session["draft"])
    return "", 204


@bp.get("/")
@public
def start():
    """The start screen: find a service, or (soon) check an application's progress."""
    return render_template("kiosk/start.html")


@bp.get("/browse")
@public
def browse():
    """Ways to find a service: life events, departments, and a search box."""
    conn = get_db()
    items = catalog.items(conn)
    return render_template("kiosk/browse.html", life_events=catalog_search.life_events(items),
                           departments=catalog.departments(conn))


@bp.get("/browse/event/<name>")
@public
def by_event(name):
    """The services of one life event."""
    conn = get_db()
    items = catalog_search.in_life_event(catalog.items(conn), name)
    if not items:
        raise NotFound(f"没有“{name}”这类事项 / no such life event", fix="go back and choose one of the list")
    return _list(name, items, conn, back="kiosk.browse")


@bp.get("/browse/department/<code>")
@public
def by_department(code):
    """The services of one department."""
    conn = get_db()
    dept = _departments(conn).get(code)
    if dept is None:
        raise NotFound(f"没有代码为 {code} 的部门 / no such department", fix="go back and choose one of the list")
    return _list(dept["name"], catalog.items(conn, department=code), conn, back="kiosk.browse")


@bp.get("/search")
@public
def search():
    """Search results; an empty query shows the error summary with what to do."""
    conn = get_db()
    query = request.args.get("q", "").strip()[:100]
    if not query:
        return render_template("kiosk/browse.html", life_events=catalog_search.life_events(catalog.items(conn)),
                               departments=catalog.departments(conn), search_error=True), 400
    items = catalog_search.search(catalog.items(conn), query, {c: d["name"] for c, d in _departments(conn).items()})
    return _list(query, items, conn, back="kiosk.browse", query=query)


@bp.get("/item/<code>")
@public
def item(code):
    """An item's guide (办事指南): who may apply, materials, fee, time limit, where it is decided."""
    conn = get_db()
    it = catalog.item(conn, code)
    return render_template("kiosk/item.html", item=it, department=_departments(conn).get(it["department"], {}))
