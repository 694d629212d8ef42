"""Checking an application's progress at the kiosk: tracking code + last 4 of ID number or phone.

Same answer for a wrong code and a wrong secret, so the form cannot be used to find out which
codes exist. The page form posts (nothing personal lands in the kiosk browser's history) and a
match is remembered in the session ('viewing'): that is what lets the person add the photos a
supplement request (补正) asks for, or ask to withdraw (撤回). The idle reset forgets it.
"""
import json

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, send_file, session, url_for

from common import config as config_mod
from common import i18n
from common import papers, photos
from common.domain import documents, timeline
from common.domain.ratings import ratable
from common.domain import wording
from common.domain.application import is_voice
from common.domain.states import NO_VISIT, WITHDRAWABLE
from common.errors import NotFound, SanjiError, ValidationError
from common.ids import parse_tracking_code
from common.node import shared_clock
from common.store import applications, outbox
from common.store.db import transaction
from common.web import get_db, public
from common.web.context import lang

from . import actions, drafts, lookups, said
from .apply import clerk
from .receipt import delivery, qr_svg

NOT_FOUND = "没有找到这件申请，请核对查询码和后 4 位 / no application matches that code and those 4 characters"
LOOKUP_FIX = "查询码在回执上；后 4 位是身份证号或手机号的最后 4 位。多次输错后请 15 分钟后再试，或请代办员帮忙"
REASONS = ("不想办了", "信息填错了，要重新申请", "已经在别处办理", "其他原因")


def find(conn, code, last4, ip=""):
    """The doc of tracking CODE when LAST4 matches its applicant; NotFound or ValidationError otherwise.

    Guarded (lookups.py): five wrong last-4s lock the code for 15 minutes, a client address makes at
    most `lookup_per_minute` lookups a minute, and every failure reads the same.
    """
    code = parse_tracking_code(code)
    if not _throttle().allow(ip):
        raise NotFound(NOT_FOUND, fix=LOOKUP_FIX)

    def match():
        for doc in applications.by_tracking_code(conn, code):
            if timeline.matches_secret(doc, last4):
                return doc
        return None
    doc = lookups.guarded(conn, code, ip, match)
    if doc is None:
        raise NotFound(NOT_FOUND, fix=LOOKUP_FIX)
    return applications.get(conn, doc["id"])


def _throttle():
    ext = current_app.extensions
    if "sanji_lookup_throttle" not in ext:
        ext["sanji_lookup_throttle"] = lookups.Throttle(int(current_app.config["SANJI"]["lookup_per_minute"]))
    return ext["sanji_lookup_throttle"]


def steps_of(conn, doc):
    """The plain-words timeline of DOC, marking events still waiting to leave this node."""
    events = applications.events(conn, doc["id"])
    waiting = outbox.unacknowledged(conn, outbox.UP, [e["id"] for e in events])
    return timeline.steps(events, waiting)


def delivery_of(conn, doc):
    """Where DOC's events made here stand on their way up (receipt.delivery)."""
    return delivery(conn, [e["id"] for e in applications.events(conn, doc["id"])])


def viewing():
    """The application the session looked up, or NotFound asking to look it up again."""
    app_id = session.get("viewing")
    if not app_id:
        raise NotFound("请先输入查询码查询 / look the application up first", fix="点“查询办理进度”，输入查询码和后 4 位")
    return applications.get(get_db(), app_id)


def supplement_draft_of(doc):
    """The draft holding the session's supplement photos for DOC, if any."""
    draft = drafts.get(get_db(), session.get("draft"))
    return draft if draft and draft["item_code"] == actions.SUPPLEMENT + doc["id"] else None


# The `kiosk_status` blueprint, for progress checks: /kiosk/status pages (the JSON API is in api.py).
bp = Blueprint("kiosk_status", __name__)


@bp.get("/kiosk/status")
@bp.get("/kiosk/status/<code>")
@public
def form(code=""):
    """The lookup form (CODE prefilled when the receipt's QR was scanned)."""
    return render_template("kiosk/status_form.html", code=code[:20], errors={})


@bp.post("/kiosk/status")
@public
def lookup():
    """Look the application up; on a match remember it and show it, else the form with an error summary."""
    code, last4 = request.form.get("code", "")[:20], request.form.get("last4", "")[:10]
    errors = {}
    if not code.strip():
        errors["code"] = "请输入回执上的查询码 / enter the tracking code printed on the receipt"
    else:
        try:
            parse_tracking_code(code)
        except ValidationError as exc:
            errors["code"] = i18n.with_fix(exc, lang())
    if len(last4.strip()) != 4:
        errors["last4"] = "请输入身份证号或手机号的最后 4 位 / enter the last 4 characters of the ID number or phone"
    if not errors:
        try:
            doc = find(get_db(), code, last4, request.remote_addr or "")
        except NotFound:
            errors["code"] = i18n.pick(NOT_FOUND, lang())
        else:
            session.pop("done", None)
            session["viewing"] = doc["id"]
            return redirect(url_for("kiosk_status.view"), code=303)
    return render_template("kiosk/status_form.html", code=code, errors=errors), 400


@bp.get("/kiosk/delivery")
@public
def delivery_state():
    """Where the session's application (?of=done: the one just made; else the one looked up) stands
    on its way up, and what the page says about it: the confirmation page follows it live."""
    app_id = session.get("done") if request.args.get("of") == "done" else session.get("viewing")
    if not app_id:
        raise NotFound("没有正在查看的申请 / no application is open on this kiosk", fix="回到首页")
    conn = get_db()
    state = delivery_of(conn, applications.get(conn, app_id))
    return jsonify({"delivery": state, "text": i18n.translate(f"delivery.{state}", lang())})


@bp.get("/kiosk/status/view")
@public
def view():
    """The timeline of the looked-up application, with what the person can do now."""
    return _view_page(viewing())


@bp.post("/kiosk/status/supplement/photo")
@public
def supplement_photo():
    """Take one photo of what the supplement request asks for."""
    doc = viewing()
    conn = get_db()
    draft = actions.supplement_draft(conn, doc, session.get("draft"))
    session["draft"] = draft["id"]
    try:
        actions.add_supplement_photo(conn, current_app.config["SANJI"].data_dir, draft, doc,
                                     photos.read_upload(request))
    except SanjiError as exc:
        return _view_page(doc, {"photo": i18n.with_fix(exc, lang())},
                          exc.http_status)
    return redirect(url_for("kiosk_status.view", _anchor="supplement"), code=303)


@bp.get("/kiosk/status/supplement/photo/<sha>")
@public
def supplement_photo_file(sha):
    """A supplement photo of the session's draft."""
    draft = supplement_draft_of(viewing())
    if draft is None or sha not in {p["sha256"] for p in draft["photos"]}:
        raise NotFound("没有这张照片 / no such photo", fix="重新拍照")
    return send_file(drafts.folder(current_app.config["SANJI"].data_dir, draft["id"]) / f"{sha}.jpg",
                     mimetype="image/jpeg", max_age=0)


@bp.post("/kiosk/status/supplement")
@public
def supplement():
    """Send the supplement photos: stored here now, and up to the decider when the link allows."""
    doc = viewing()
    conn = get_db()
    try:
        actions.provide_supplement(conn, current_app.config["SANJI"], doc, supplement_draft_of(doc),
                                   _actor())
    except SanjiError as exc:
        return _view_page(doc, dict(getattr(exc, "fields", {}) or {"photo": exc.message}), exc.http_status)
    session.pop("draft", None)
    return redirect(url_for("kiosk_status.view", sent="supplement"), code=303)


@bp.get("/kiosk/status/consult")
@public
def consult():
    """Talk face to face with the staff who decide this application (a live video consult)."""
    doc = viewing()
    return render_template("kiosk/consult.html", doc=doc,
                           ice=json.dumps(config_mod.ice_servers(current_app.config["SANJI"])))


@bp.route("/kiosk/status/withdraw", methods=["GET", "POST"])
@public
def withdraw():
    """Ask to withdraw (one question: why), then back to the timeline."""
    doc = viewing()
    errors = {}
    if request.method == "POST":
        reason = request.form.get("reason", "")
        try:
            if reason not in REASONS:
                raise ValidationError("请选择撤回的原因", fields={"reason": "请选择撤回的原因 / choose why"})
            actions.request_withdrawal(get_db(), current_app.config["SANJI"], doc, reason, _actor())
        except SanjiError as exc:
            errors = dict(getattr(exc, "fields", {}) or {"reason": exc.message})
        else:
            return redirect(url_for("kiosk_status.view", sent="withdrawal"), code=303)
    return render_template("kiosk/withdraw.html", doc=doc, reasons=REASONS, errors=errors), 400 if errors else 200


@bp.post("/kiosk/status/sms-optout")
@public
def sms_optout():
    """Ask for no more SMS to the applicant's phone (the county keeps the number on its opt-out list)."""
    doc = viewing()
    if not doc.get("sms_opted_out"):
        conn, cfg = get_db(), current_app.config["SANJI"]
        with transaction(conn):
            applications.append(conn, shared_clock(conn, cfg), cfg["code"], doc["id"], "sms_opted_out", _actor(), {})
    return redirect(url_for("kiosk_status.view", sent="sms_optout"), code=303)


@bp.get("/kiosk/status/papers/<event_id>")
@public
def paper(event_id):
    """A paper the township or county issued for the application looked up (一次性告知书 …), to print."""
    conn, cfg, doc = get_db(), current_app.config["SANJI"], viewing()
    events = applications.events(conn, doc["id"])
    event = next((e for e in events if e["id"] == event_id
                  and documents.KIND_OF_EVENT.get(e["type"]) in ISSUED), None)
    if event is None:
        raise NotFound("这件申请没有这份文书 / this application has no such paper",
                       fix="点“返回”，在办理进度页选择要打印的文书")
    said_here = papers.said_of(conn, cfg, doc, events, event)
    return render_template("kiosk/paper.html", doc=doc, paper=said_here,
                           qr=qr_svg(said_here["link"], "扫码查询办理进度") if cfg.get("public_url") else "")


# The papers an office issues that a villager prints at the kiosk (the receipt has its own page).
ISSUED = ("acceptance", "supplement", "refusal")


def _actor():
    return clerk() or "kiosk"


def _view_page(doc, errors=None, status=200):
    draft = supplement_draft_of(doc)
    voice = is_voice(doc)
    now, steps = said.sentences(get_db(), doc)
    return render_template("kiosk/status.html", doc=doc, steps=steps, now=now, voice=voice, no_visit=NO_VISIT,
                           shows_due=wording.shows_due(doc),
                           errors=errors or {}, supplement_photos=draft["photos"] if draft else [],
                           withdrawable=doc["state"] in WITHDRAWABLE and not doc.get("withdrawal_requested"),
                           ratable=ratable(doc, "kiosk"), delivery=delivery_of(get_db(), doc),
                           papers=[p for p in documents.papers_of(applications.events(get_db(), doc["id"]))
                                   if p["kind"] in ISSUED],
                           sent=_sent(request.args.get("sent", ""))), status


def _sent(what):
    # Only a confirmation this kiosk has words for: a made-up ?sent= shows nothing, not a key.
    return what if f"status.sent.{what}" in i18n.messages("zh") else ""
