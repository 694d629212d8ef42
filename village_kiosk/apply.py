"""The apply journey at the kiosk: who is applying → the item's questions → photos → check → confirmation.

One thing per page, "step n of m", an error summary that takes focus, change links on the check
page (GOV.UK). What the person enters lives in a server-side draft named only by the session;
the idle reset deletes both. A signed-in village clerk uses the same pages and the application
is recorded as made on the villager's behalf (proxy_by).
"""
from flask import Blueprint, current_app, g, redirect, render_template, request, send_file, session, url_for

from common import clock as business_clock
from common import i18n, idcard, photos
from common.domain import submission
from common.errors import NotFound, SanjiError, ValidationError
from common.roles import VILLAGE_CONSOLE
from common.store import applications, catalog
from common.web import get_db, public
from common.web.context import lang
from common.web.access import user_has

from . import actions, card_reader, drafts, journey
from .receipt import build as build_receipt, qr_svg

GONE = "这次填写已经结束（长时间没有操作会自动清除）/ this application form has ended"


def clerk():
    """The signed-in village clerk's username, or '' for a villager on their own."""
    return g.user["username"] if g.get("user") and user_has(g.user, VILLAGE_CONSOLE) else ""


def current_draft():
    """The session's apply draft and its item, or NotFound telling the person to start again."""
    conn = get_db()
    draft = drafts.get(conn, session.get("draft"))
    if draft is None or draft["item_code"].startswith(actions.SUPPLEMENT):
        raise NotFound(GONE, fix="回到首页，重新选择要办的事 / start again from the home page")
    drafts.touch(conn, draft["id"])
    return draft, catalog.item(conn, draft["item_code"])


def _page(step, draft, item, errors=None, values=None, status=200):
    n, m = journey.position(item, step)
    return render_template(f"kiosk/apply_{step}.html", draft=draft, item=item, step=step, n=n, m=m,
                           card_reader=card_reader.configured(current_app.config["SANJI"]),
                           card_read=request.args.get("card") == "1" and not errors,
                           errors=errors or {}, values=values if values is not None else {},
                           back=journey.previous_step(item, step), proxy=draft["proxy_by"],
                           changing=request.values.get("change") == "1", journey=journey), status


def _after(step, item):
    target = "check" if request.values.get("change") == "1" else journey.next_step(item, step)
    return redirect(url_for("kiosk_apply.step", name=target))


# The `kiosk_apply` blueprint: /kiosk/apply/… and the receipt pages.
bp = Blueprint("kiosk_apply", __name__)


@bp.post("/kiosk/apply/start/<code>")
@public
def start(code):
    """Start applying for item CODE (a new draft; any earlier one of this session is discarded)."""
    conn = get_db()
    item = catalog.item(conn, code)
    actions.check_can_apply_here(item, clerk())
    drafts.discard(conn, current_app.config["SANJI"].data_dir, session.pop("draft", None))
    session.pop("done", None)
    session["draft"] = drafts.create(conn, code, clerk())
    return redirect(url_for("kiosk_apply.step", name="applicant"))


@bp.route("/kiosk/apply/<name>", methods=["GET", "POST"])
@public
def step(name):
    """One step of the journey: show it, or take its answers and go on."""
    draft, item = current_draft()
    if name not in journey.steps_for(item):
        raise NotFound("没有这一步 / no such step", fix="回到首页重新开始")
    if name == "check":
        unfinished = journey.first_unfinished(item, draft)
        if unfinished:
            return redirect(url_for("kiosk_apply.step", name=unfinished))
        return _check_page(draft, item)
    if request.method == "GET":
        return _page(name, draft, item, values=_stored(name, draft))
    if name == "materials":
        errors = journey.materials_errors(item, draft)
        return _page(name, draft, item, errors=errors, status=400) if errors else _after(name, item)
    raw = {k: v for k, v in request.form.items() if k != "csrf_token"}
    if name == "applicant":
        clean, errors = submission.check_applicant(raw)
        if not errors:  # told here, before anything is photographed, when the ID number already says no
            errors = submission.eligibility_problems(item, clean["id_number"],
                                                     business_clock.today(current_app.config["SANJI"]))
    else:
        raw = journey.combine_dates(item, raw)
        clean, errors = submission.check_form(item, raw)
    if errors:
        return _page(name, draft, item, errors=errors, values=raw, status=400)
    draft["applicant" if name == "applicant" else "form"] = clean
    drafts.save(get_db(), draft)
    return _after(name, item)


@bp.post("/kiosk/apply/card")
@public
def read_card():
    """Read the 二代身份证 on the reader into the applicant page (name, ID number; an address the item asks
    for): nothing is taken as the applicant's until the person checks it and taps 下一步."""
    draft, item = current_draft()
    cfg = current_app.config["SANJI"]
    try:
        card = card_reader.read(cfg)
    except SanjiError as exc:
        values = dict(draft.get("applicant") or {})
        return _page("applicant", draft, item, errors={"card": i18n.with_fix(exc, lang())}, values=values,
                     status=exc.http_status)
    draft["applicant"] = dict(draft.get("applicant") or {}, name=card["name"], id_number=card["id_number"])
    if card["address"] and any(f["key"] == "address" for f in item.get("fields", [])):
        draft["form"] = dict(draft.get("form") or {})
        draft["form"].setdefault("address", card["address"])
    drafts.save(get_db(), draft)
    return redirect(url_for("kiosk_apply.step", name="applicant", card="1",
                            change="1" if request.values.get("change") == "1" else None))


@bp.post("/kiosk/apply/materials/<int:index>")
@public
def add_photo(index):
    """Take one photo of material INDEX (from the camera or a file), shrunk and checked."""
    draft, item = current_draft()
    try:
        actions.add_draft_photo(get_db(), current_app.config["SANJI"].data_dir, draft, item, index,
                                photos.read_upload(request))
    except ValidationError as exc:
        errors = {f"m{index}": i18n.with_fix(exc, lang())}
        return _page("materials", draft, item, errors=errors, status=exc.http_status)
    return redirect(url_for("kiosk_apply.step", name="materials", _anchor=f"m{index}"))


@bp.post("/kiosk/apply/materials/<int:index>/remove/<sha>")
@public
def remove_photo(index, sha):
    """Remove one photo of material INDEX from the draft."""
    draft, _ = current_draft()
    actions.remove_draft_photo(get_db(), current_app.config["SANJI"].data_dir, draft, index, sha)
    return redirect(url_for("kiosk_apply.step", name="materials", _anchor=f"m{index}"))


@bp.get("/kiosk/apply/photo/<sha>")
@public
def photo(sha):
    """A photo of the session's draft (nobody else's)."""
    draft = drafts.get(get_db(), session.get("draft"))
    if draft is None or sha not in {p["sha256"] for p in draft["photos"]}:
        raise NotFound(GONE, fix="回到首页重新开始")
    return send_file(drafts.folder(current_app.config["SANJI"].data_dir, draft["id"]) / f"{sha}.jpg",
                     mimetype="image/jpeg", max_age=0)


@bp.post("/kiosk/apply/submit")
@public
def submit():
    """Submit the draft: the application is stored here at once, whether or not the township is reachable."""
    draft, item = current_draft()
    conn = get_db()
    try:
        doc = actions.submit_draft(conn, current_app.config["SANJI"], draft, clerk() or "kiosk")
    except ValidationError as exc:
        return _check_page(draft, item, error=exc)
    session.pop("draft", None)
    session["done"] = doc["id"]
    return redirect(url_for("kiosk_apply.done"))


@bp.get("/kiosk/apply/done")
@public
def done():
    """The confirmation page: the tracking code, big, and what happens next."""
    return render_template("kiosk/apply_done.html", r=_receipt("done"), proxy=clerk())


@bp.get("/kiosk/receipt/<size>")
@public
def receipt(size):
    """The printable receipt (A4 or 80 mm thermal paper) of the application just made or looked up."""
    if size not in ("a4", "80mm"):
        raise NotFound("回执只有 A4 和 80mm 两种 / receipts are a4 or 80mm", fix="点“打印回执”按钮")
    which = "done" if session.get("done") else "viewing"
    cfg = current_app.config["SANJI"]
    return render_template("kiosk/receipt.html", r=_receipt(which), size=size, qr_svg=qr_svg,
                           office_phone=cfg["office_phone"], supervision_phone=cfg["supervision_phone"])


def _stored(step, draft):
    return draft.get("applicant") if step == "applicant" else draft.get("form")


def _check_page(draft, item, error=None):
    errors = dict(error.fields) if isinstance(error, ValidationError) else {}
    if error is not None and not errors:
        errors = {"submit": error.message}
    n, m = journey.position(item, "check")
    return render_template("kiosk/apply_check.html", draft=draft, item=item, step="check", n=n, m=m, errors=errors,
                           answers=journey.field_answers(item, draft.get("form") or {}), proxy=draft["proxy_by"],
                           masked=idcard.mask_id((draft.get("applicant") or {}).get("id_number", "")),
                           back=journey.previous_step(item, "check"), journey=journey), 400 if errors else 200


def _receipt(key):
    conn = get_db()
    app_id = session.get(key)
    if not app_id:
        raise NotFound(GONE, fix="要查看已提交的申请，请用“查询办理进度”")
    cfg = current_app.config["SANJI"]
    try:
        doc = applications.get(conn, app_id)
    except SanjiError:
        session.pop(key, None)
        raise
    return build_receipt(conn, doc, cfg["public_url"])
