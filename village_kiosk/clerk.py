"""The village clerk's console (代办员): today's figures, the link, follow-ups, the village's applications.

The link banner comes from the sync thread's own record of heartbeats (sync_links), refreshed
in the page every few seconds; the browser's idea of being online plays no part. Applying on a
villager's behalf uses the kiosk's journey with the clerk signed in (recorded as proxy_by).
"""
from flask import Blueprint, current_app, redirect, render_template, request, send_file, session, url_for

from common import clock as business_clock
from common import paging
from common.domain import wording
from common.domain.application import label
from common.domain.states import STATES
from common.errors import NotFound
from common.roles import VILLAGE_CONSOLE
from common.store import applications, blobs, catalog
from common.web import get_db, roles

from . import clerk_store
from . import said


# The `tier` blueprint of the village: its home is the clerk console at /clerk/.
bp = Blueprint("tier", __name__, url_prefix="/clerk")


@bp.get("/")
@roles(*VILLAGE_CONSOLE)
def home():
    """The console: today, follow-ups (supplements, withdrawals asked), all applications with sync state."""
    conn = get_db()
    state = request.args.get("state") or None
    page = paging.number(request.args)
    limit, offset = paging.window(page)
    listed, more = paging.split(clerk_store.rows(conn, state, limit, offset))
    follow = [r for r in clerk_store.rows(conn, "supplement", 100)
              if not (r["supplement"] or {}).get("provided")]
    return render_template("clerk/console.html", s=clerk_store.summary(conn, business_clock.today(current_app.config["SANJI"]).isoformat()),
                           rows=listed, follow=follow, state=state or "", page=page, more=more, state_label=label,
                           states=STATES)


@bp.get("/app/<app_id>")
@roles(*VILLAGE_CONSOLE)
def detail(app_id):
    """One application: applicant, answers, photos, timeline; and a way to act on it at the kiosk pages."""
    conn = get_db()
    doc = applications.get(conn, app_id)
    held = {m["sha256"]: blobs.is_complete(conn, m["sha256"]) for m in doc.get("materials", [])
            if isinstance(m, dict) and m.get("sha256")}
    now, steps = said.sentences(conn, doc)
    return render_template("clerk/detail.html", doc=doc, steps=steps, now=now, held=held,
                           shows_due=wording.shows_due(doc),
                           labels=catalog.field_labels(conn, doc["item"]["code"]))


@bp.post("/app/<app_id>/open")
@roles(*VILLAGE_CONSOLE)
def open_at_kiosk(app_id):
    """Open the application in the kiosk's status pages (to add a supplement, withdraw, print the receipt)."""
    doc = applications.get(get_db(), app_id)
    session["viewing"] = doc["id"]
    return redirect(url_for("kiosk_status.view"))


@bp.get("/blob/<sha>")
@roles(*VILLAGE_CONSOLE)
def blob(sha):
    """A photo of a material held here."""
    if len(sha) != 64 or not blobs.is_complete(get_db(), sha):
        raise NotFound("这张照片不在本机 / this photo is not held here", fix="it may still be on its way")
    return send_file(blobs.path_of(current_app.config["SANJI"].data_dir, sha), mimetype="image/jpeg")
