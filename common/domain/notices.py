"""Public notices (政务公开, 办事指南, 通知), pure: what a notice is, how it is checked, who sees it.

A notice is published by the county or a township and flows down to every node below it, where the
kiosk shows it offline and reads it aloud. An edit or a withdrawal is the same notice with a higher
`version`; a node keeps the highest version it has seen, so copies arriving twice or out of order
agree (last version wins, never an older one).
"""
from collections.abc import Mapping
from datetime import date
from typing import Any

from ..clock import PLAUSIBLE_YEARS
from ..errors import ValidationError
from .nodes import in_subtree, tier_of

CATEGORIES = {"public": ("政务公开", "Public information"), "guide": ("办事指南", "How to apply"),
              "notice": ("通知公告", "Announcement")}
MAX_TITLE, MAX_BODY = 60, 5000
PUBLISHING_TIERS = ("county", "township")


def _clean_text(value: object, name: str, limit: int, errors: dict[str, str], required: bool = True) -> str:
    if value is not None and not isinstance(value, str):
        errors[name] = "须是文字 / must be text"
        return ""
    text = (value or "").replace("\r\n", "\n").strip()
    if required and not text:
        errors[name] = "必填 / required"
    elif len(text) > limit:
        errors[name] = f"最多 {limit} 字 / at most {limit} characters"
    elif any(c in text for c in "<>"):
        errors[name] = "不能含 < 或 > / no < or >"
    return text


def _day(value: object, name: str, errors: dict[str, str], required: bool = True) -> str | None:
    if value is not None and not isinstance(value, str):
        errors[name] = "日期须是文字 YYYY-MM-DD / a date is text, YYYY-MM-DD"
        return None
    text = (value or "").strip()
    if not text:
        if required:
            errors[name] = "请填写日期 YYYY-MM-DD / a date is required"
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        errors[name] = "日期格式应为 2026-12-01 / use YYYY-MM-DD"
        return None
    if not PLAUSIBLE_YEARS[0] <= day.year <= PLAUSIBLE_YEARS[1]:
        errors[name] = "年份不对 / the year is not plausible"
        return None
    return day.isoformat()


def check(form: Mapping[str, Any], today: date) -> dict[str, Any]:
    """The clean fields {title, body, category, published_on, expires_on} of FORM; ValidationError naming each bad one.

    published_on defaults to TODAY; expires_on is optional and may not come before it.
    """
    errors: dict[str, str] = {}
    out = {"title": _clean_text(form.get("title"), "title", MAX_TITLE, errors),
           "body": _clean_text(form.get("body"), "body", MAX_BODY, errors),
           "category": form.get("category") or "notice"}
    if not isinstance(out["category"], str) or out["category"] not in CATEGORIES:
        errors["category"] = f"类别须是 {' / '.join(CATEGORIES)}"
    out["published_on"] = _day(form.get("published_on") or today.isoformat(), "published_on", errors)
    out["expires_on"] = _day(form.get("expires_on"), "expires_on", errors, required=False)
    if out["expires_on"] and out["published_on"] and out["expires_on"] < out["published_on"]:
        errors["expires_on"] = "截止日期不能早于发布日期 / the end date is before the publication date"
    if errors:
        raise ValidationError("公告有 %d 处需要修改 / %d field(s) to correct" % (len(errors), len(errors)), fields=errors,
                              fix="correct the fields listed and publish again; nothing was published")
    return out


def check_wire(body: Any, me: str) -> None:
    """Raise ValidationError unless BODY is a notice node ME may hold: well formed, from one of ME's ancestors."""
    if not isinstance(body, dict):
        raise ValidationError("notice body must be a map")
    kinds = {"id": str, "publisher": str, "version": int, "title": str, "body": str, "category": str,
             "published_on": str, "withdrawn": bool, "seq": int}
    bad = [k for k, t in kinds.items() if not isinstance(body.get(k), t) or isinstance(body.get(k), bool) != (t is bool)]
    if bad:
        raise ValidationError(f"notice lacks or mistypes: {', '.join(bad)}")
    if tier_of(body["publisher"]) not in PUBLISHING_TIERS or not in_subtree(me, body["publisher"]) \
            or body["publisher"] == me:
        raise ValidationError(f"notice from {body['publisher']!r} is not from an ancestor of {me}")
    if body["category"] not in CATEGORIES or len(body["title"]) > MAX_TITLE or len(body["body"]) > MAX_BODY:
        raise ValidationError("notice fields out of range")


def visible(notice: dict[str, Any], today: date) -> bool:
    """True when NOTICE should be on show on TODAY (a date): published, not withdrawn, not expired."""
    if notice.get("withdrawn"):
        return False
    day = today.isoformat()
    return notice["published_on"] <= day and (not notice.get("expires_on") or day <= notice["expires_on"])
