"""Checking what a person submits against the catalog item: applicant details and form fields.

Returns every problem at once (GOV.UK's error summary lists them all), keyed by field.
"""
import re
from datetime import date

from .. import idcard
from ..errors import ValidationError

PHONE_RE = re.compile(r"^(1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8})$")
NAME_MAX = 50
TEXT_MAX = 200
TEXTAREA_MAX = 2000
# Pages escape everything they show; refusing markup as well tells someone who pasted it at once,
# and keeps it out of the events that travel to every tier and outside systems.
MARKUP_RE = re.compile(r"<\s*[a-zA-Z/!?]|javascript\s*:|on[a-z]+\s*=", re.IGNORECASE)
MARKUP_MESSAGE = "不能包含网页代码（如 <script>）/ must not contain markup such as <script>"


def clean_text(value):
    """VALUE as text without control characters (newlines kept), trimmed."""
    # Strip control characters other than newline; HTML is escaped on output, not mangled here.
    return "".join(ch for ch in str(value) if ch == "\n" or ch >= " ").strip()


def check_applicant(raw, today=None):
    """(applicant dict, {field: message}) for name, id_number and phone."""
    errors, out = {}, {}
    name = clean_text(raw.get("name", ""))
    if not name:
        errors["name"] = "请填写申请人姓名 / enter the applicant's name"
    elif len(name) > NAME_MAX:
        errors["name"] = f"姓名不能超过 {NAME_MAX} 个字 / name too long"
    elif MARKUP_RE.search(name):
        errors["name"] = f"姓名{MARKUP_MESSAGE}"
    out["name"] = name
    try:
        out["id_number"] = idcard.parse(raw.get("id_number", ""), today)
    except ValidationError as exc:
        errors["id_number"] = exc.message
        out["id_number"] = str(raw.get("id_number", ""))
    phone = re.sub(r"[\s]", "", str(raw.get("phone", "")))
    if not phone:
        errors["phone"] = "请填写联系电话，办理结果会通知到这个号码 / enter a phone number"
    elif not PHONE_RE.match(phone):
        errors["phone"] = "电话号码格式不对：手机号为 11 位数字 / a mobile number has 11 digits"
    out["phone"] = phone
    return out, errors


def _check_field(f, value):
    kind, label = f["type"], f["label"]
    if kind in ("number", "money"):
        try:
            num = float(value)
        except ValueError:
            return None, f"“{label}”须填写数字 / must be a number"
        if kind == "number" and not num.is_integer():
            return None, f"“{label}”须填写整数 / must be a whole number"
        if "min" in f and num < f["min"] or "max" in f and num > f["max"]:
            return None, f"“{label}”应在 {f.get('min', '')} 到 {f.get('max', '')} 之间 / out of range"
        return (int(num) if kind == "number" else round(num, 2)), None
    if kind == "date":
        try:
            return date.fromisoformat(value).isoformat(), None
        except ValueError:
            return None, f"“{label}”须是日期，例如 2026-03-01 / must be a date"
    if kind == "select":
        if value not in f.get("options", []):
            return None, f"请从列表中选择“{label}” / choose one of the options"
        return value, None
    if kind == "phone" and not PHONE_RE.match(value):
        return None, f"“{label}”不是有效的电话号码 / not a phone number"
    if kind == "idcard":
        try:
            return idcard.parse(value), None
        except ValidationError as exc:
            return None, f"“{label}”：{exc.message}"
    if MARKUP_RE.search(value):
        return None, f"“{label}”{MARKUP_MESSAGE}"
    limit = f.get("max_length") or (TEXTAREA_MAX if kind == "textarea" else TEXT_MAX)
    if len(value) > limit:
        return None, f"“{label}”不能超过 {limit} 个字 / too long"
    if f.get("pattern") and not re.fullmatch(f["pattern"], value):
        return None, f"“{label}”格式不对{('：' + f['help']) if f.get('help') else ''} / wrong format"
    return value, None


def check_form(item, raw):
    """(form dict, {field key: message}) for the item's form fields; unknown keys are dropped."""
    errors, out = {}, {}
    for f in item.get("fields", []):
        value = clean_text(raw.get(f["key"], "") or "")
        if not value:
            if f.get("required", True):
                errors[f["key"]] = f"请填写“{f['label']}” / required"
            continue
        clean, problem = _check_field(f, value)
        if problem:
            errors[f["key"]] = problem
        else:
            out[f["key"]] = clean
    return out, errors


def check(item, applicant, form, today=None):
    """Validate a whole submission; raise ValidationError listing every field's problem."""
    app, errors = check_applicant(applicant or {}, today)
    fields, field_errors = check_form(item, form or {})
    errors.update(field_errors)
    if errors:
        raise ValidationError("申请信息有误，请修改后再提交 / please correct the highlighted answers",
                              details=[f"{k}: {v}" for k, v in errors.items()], fields=errors)
    return app, fields
