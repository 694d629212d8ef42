"""Ratings of a service (好差评), pure: the five levels, when a rating may be given, and rectification.

A person rates once the outcome is known (approved, denied, not accepted, delivered, withdrawn
by them does not count), at the kiosk or at a township window; one rating per channel. 不满意 and
非常不满意 open a rectification case (整改) that the responsible office closes with
`rectification_done`; supervision watches its deadline (`rectify_days` working days).
"""
from typing import Any

from ..errors import Conflict, TransitionError, ValidationError
from .record import Doc
from .states import RATABLE

# value: (label, English) — the national 好差评 scale, best first
LEVELS = {5: ("非常满意", "very satisfied"), 4: ("满意", "satisfied"), 3: ("基本满意", "fairly satisfied"),
          2: ("不满意", "dissatisfied"), 1: ("非常不满意", "very dissatisfied")}
BAD = 2                      # this level or lower opens a rectification case
CHANNELS = ("kiosk", "window")
MAX_COMMENT = 200


def ratable(doc: Doc, channel: str) -> bool:
    """True when DOC has its outcome and has not been rated through CHANNEL yet."""
    return doc["state"] in RATABLE and channel not in ((doc.get("rating") or {}).get("channels") or [])


def all_of(doc: Doc) -> list[dict[str, Any]]:
    """Every rating DOC received, oldest first (projections made before `ratings` hold only the latest)."""
    if doc.get("ratings"):
        return doc["ratings"]
    return [doc["rating"]] if isinstance(doc.get("rating"), dict) else []


def check(doc: Doc, payload: dict[str, Any]) -> None:
    """Raise unless PAYLOAD {level, channel, comment?, staff?, office?} is a rating DOC may receive now."""
    check_shape(payload)
    if doc["state"] not in RATABLE:
        raise TransitionError("办理结果出来后才能评价 / you can rate once there is an outcome",
                              fix="come back when the status shows the result")
    if payload["channel"] in ((doc.get("rating") or {}).get("channels") or []):
        raise Conflict("这件申请已经评价过了 / this application has already been rated here")


def check_shape(payload: dict[str, Any]) -> None:
    """Raise unless PAYLOAD is a well-formed rating (level 1–5, a channel, a short comment, short names)."""
    level, channel = payload.get("level"), payload.get("channel")
    if not isinstance(level, int) or isinstance(level, bool) or level not in LEVELS:
        raise ValidationError("请选择评价等级 / choose how satisfied you are", fields={"level": "1–5"})
    if channel not in CHANNELS:
        raise ValidationError(f"channel 须是 {' / '.join(CHANNELS)}")
    comment = payload.get("comment", "")
    if not isinstance(comment, str) or len(comment) > MAX_COMMENT or any(c in comment for c in "<>"):
        raise ValidationError(f"评价说明最多 {MAX_COMMENT} 字，不含 < > / at most {MAX_COMMENT} characters",
                              fields={"comment": "请缩短说明"})
    for key in ("staff", "office"):
        if not isinstance(payload.get(key, ""), str) or len(payload.get(key, "")) > 64:
            raise ValidationError(f"rating {key} must be text of at most 64 characters")


def rated(doc: Doc, payload: dict[str, Any], day: str) -> Doc:
    """DOC's `rating` (the latest), `ratings` (all) and a `rectification` for a bad one after a rating on DAY.

    Each rating is attributed to an office (`office`: the window's node, or the node that decided)
    and a staff member (the one at the window, or the one who decided). Mutates and returns DOC.
    """
    rating = dict(doc.get("rating") or {})
    channels = list(rating.get("channels") or [])
    if payload.get("channel") not in channels:
        channels.append(payload.get("channel"))
    level = payload.get("level")
    decision = doc.get("decision") or {}
    staff = str(payload.get("staff") or decision.get("by", ""))
    office = str(payload.get("office") or decision.get("at") or doc.get("custody", ""))
    doc["rating"] = {"level": level, "channel": payload.get("channel"), "on": day, "channels": channels,
                     "staff": staff, "office": office}
    doc["ratings"] = list(doc.get("ratings") or []) + [
        {"level": level, "channel": payload.get("channel"), "on": day, "staff": staff, "office": office}]
    if isinstance(level, int) and level <= BAD and not doc.get("rectification"):
        doc["rectification"] = {"opened_on": day, "state": "open", "level": level,
                                "comment": payload.get("comment", ""), "done_on": None, "note": ""}
    return doc


def rectification_done(doc: Doc, payload: dict[str, Any], day: str) -> Doc:
    """DOC with its rectification closed on DAY (a no-op when none is open)."""
    rect = doc.get("rectification")
    if rect and rect["state"] == "open":
        doc["rectification"] = dict(rect, state="done", done_on=day, note=str(payload.get("note", ""))[:500])
    return doc


def check_done(doc: Doc, payload: dict[str, Any]) -> None:
    """Raise unless a rectification is open on DOC and PAYLOAD says what was done."""
    if not (doc.get("rectification") or {}).get("state") == "open":
        raise TransitionError("没有待整改的差评 / no rectification is open")
    if not str(payload.get("note", "")).strip():
        raise ValidationError("请写明整改情况 / say what was done", fields={"note": "整改情况"})
