"""Checking what a person submits against the catalog item: applicant details and form fields.

Returns every problem at once (GOV.UK's error summary lists them all), keyed by field.
"""
import math
import re
import unicodedata
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from .. import idcard, uscc
from ..clock import CHINA, PLAUSIBLE_YEARS
from ..errors import ValidationError
from ..ids import is_valid_tracking_code
from .record import Doc

PHONE_RE = re.compile(r"^(1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8})$")
NAME_MAX = 50
TEXT_MAX = 200
TEXTAREA_MAX = 2000
# Pages escape everything they show; refusing markup as well tells someone who pasted it at once,
# and keeps it out of the events that travel to every tier and outside systems.
MARKUP_RE = re.compile(r"<\s*[a-zA-Z/!?]|javascript\s*:|on[a-z]+\s*=", re.IGNORECASE)
# Format, control, private-use, surrogate and unassigned characters: right-to-left overrides and
# zero-width marks make a name read differently on every screen it reaches.
INVISIBLE = {"Cc", "Cf", "Co", "Cs", "Cn"}
MARKUP_MESSAGE = "不能包含网页代码（如 <script>）/ must not contain markup such as <script>"


def clean_text(value: object) -> str:
    """VALUE as text without control characters (newlines kept), trimmed; None is empty."""
    # Strip control characters other than newline; HTML is escaped on output, not mangled here.
    return "".join(ch for ch in str("" if value is None else value) if ch == "\n" or ch >= " ").strip()


NOT_TEXT = "须填写文字 / must be text"


def posted(raw: Mapping[str, Any], key: str, errors: dict[str, str]) -> str:
    """RAW[KEY] as text for checking: absent or JSON null is empty, a number its digits; anything
    else (a list, an object, true/false) is noted in ERRORS[KEY] and read as empty."""
    value = raw.get(key)
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    errors[key] = NOT_TEXT
    return ""


COMPANY_KEYS = ("company", "uscc", "legal_rep")  # what a company applicant adds to the person who comes


def is_company_item(item: dict[str, Any] | None) -> bool:
    """True when ITEM is applied for by a company or organisation (catalog `applicant: company`)."""
    return (item or {}).get("applicant") == "company"


def _one_line(value: str) -> bool:
    # A name printed on papers: one line, nothing invisible (a right-to-left override or a
    # zero-width space would make the printed name differ from the one checked).
    return "\n" not in value and not any(unicodedata.category(c) in INVISIBLE for c in value)


def _check_company(raw: Mapping[str, Any], out: dict[str, str], errors: dict[str, str]) -> None:
    company = clean_text(posted(raw, "company", errors))
    if "company" in errors:  # not text at all: said already
        pass
    elif not company:
        errors["company"] = "请填写单位名称（与营业执照一致） / enter the company's name as on its licence"
    elif len(company) > 100 or MARKUP_RE.search(company) or not _one_line(company):
        errors["company"] = ("单位名称须为一行、不超过 100 个字，不能有 < > 或看不见的字符 / one line, at most 100 "
                             "characters, no < > or invisible characters")
    out["company"] = company
    code = posted(raw, "uscc", errors)
    try:
        out["uscc"] = uscc.parse(code)
    except ValidationError as exc:
        errors.setdefault("uscc", exc.message)
        out["uscc"] = code
    rep = clean_text(posted(raw, "legal_rep", errors))
    if "legal_rep" in errors:  # not text at all: said already
        pass
    elif not rep:
        errors["legal_rep"] = "请填写法定代表人姓名 / enter the legal representative's name"
    elif len(rep) > NAME_MAX or MARKUP_RE.search(rep) or not _one_line(rep):
        errors["legal_rep"] = f"法定代表人姓名不能超过 {NAME_MAX} 个字，也不能有 < > / too long, or has < >"
    out["legal_rep"] = rep


def check_applicant(raw: Mapping[str, Any], today: date | None = None,
                    item: dict[str, Any] | None = None) -> tuple[dict[str, str], dict[str, str]]:
    """(applicant dict, {field: message}) for name, id_number and phone, and for a company ITEM its
    name, 统一社会信用代码 (check character verified) and legal representative."""
    errors: dict[str, str] = {}
    out: dict[str, str] = {}
    name = clean_text(posted(raw, "name", errors))
    if "name" in errors:  # not text at all: said already
        pass
    elif not name:
        errors["name"] = "请填写申请人姓名 / enter the applicant's name"
    elif len(name) > NAME_MAX:
        errors["name"] = f"姓名不能超过 {NAME_MAX} 个字 / name too long"
    elif MARKUP_RE.search(name):
        errors["name"] = f"姓名{MARKUP_MESSAGE}"
    elif any(unicodedata.category(c) in INVISIBLE for c in name):
        errors["name"] = "姓名含有看不见的控制字符，请重新输入 / the name contains invisible control characters; type it again"
    out["name"] = name
    number = posted(raw, "id_number", errors)
    try:
        out["id_number"] = idcard.parse(number, today)
    except ValidationError as exc:
        errors.setdefault("id_number", exc.message)
        out["id_number"] = number
    phone = re.sub(r"[\s]", "", posted(raw, "phone", errors))
    if "phone" in errors:  # not text at all: said already
        pass
    elif not phone:
        errors["phone"] = "请填写联系电话，办理结果会通知到这个号码 / enter a phone number"
    elif not PHONE_RE.match(phone):
        errors["phone"] = "电话号码格式不对：手机号为 11 位数字 / a mobile number has 11 digits"
    out["phone"] = phone
    if is_company_item(item):
        _check_company(raw, out, errors)
    return out, errors




def _check_date(f: dict[str, Any], value: str, today: date) -> tuple[str | None, str | None]:
    label = f["label"]
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return None, f"“{label}”须是日期，例如 2026-03-01 / must be a date"
    if not PLAUSIBLE_YEARS[0] <= day.year <= PLAUSIBLE_YEARS[1]:
        return None, f"“{label}”的年份不对 / the year is not plausible"
    if f.get("when") == "past" and day > today:
        return None, f"“{label}”不能晚于今天 / cannot be after today"
    if f.get("when") == "future" and day < today:
        return None, f"“{label}”不能早于今天 / cannot be before today"
    return day.isoformat(), None


def _check_field(f: dict[str, Any], value: str, today: date | None = None) -> tuple[Any, str | None]:
    kind, label = f["type"], f["label"]
    if kind in ("number", "money"):
        try:
            num = float(value)
        except ValueError:
            return None, f"“{label}”须填写数字 / must be a number"
        if not math.isfinite(num):  # "NaN" and "inf" parse as floats, and compare false with every bound
            return None, f"“{label}”须填写数字 / must be a number"
        if kind == "number" and not num.is_integer():
            return None, f"“{label}”须填写整数 / must be a whole number"
        if "min" in f and num < f["min"] or "max" in f and num > f["max"]:
            return None, f"“{label}”应在 {f.get('min', '')} 到 {f.get('max', '')} 之间 / out of range"
        return (int(num) if kind == "number" else round(num, 2)), None
    if kind == "date":
        return _check_date(f, value, today or datetime.now(CHINA).date())
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


def check_form(item: dict[str, Any], raw: Mapping[str, Any],
               today: date | None = None) -> tuple[dict[str, Any], dict[str, str]]:
    """(form dict, {field key: message}) for the item's form fields (dates judged on TODAY); unknown keys are dropped."""
    errors: dict[str, str] = {}
    out: dict[str, Any] = {}
    for f in item.get("fields", []):
        value = clean_text(posted(raw, f["key"], errors))
        if f["key"] in errors:
            continue
        if not value:
            if f.get("required", True):
                errors[f["key"]] = f"请填写“{f['label']}” / required"
            continue
        clean, problem = _check_field(f, value, today)
        if problem:
            errors[f["key"]] = problem
        else:
            out[f["key"]] = clean
    return out, errors


def age_on(id_number: str, day: date) -> int:
    """The age in whole years on DAY of the person with (valid) ID_NUMBER."""
    born = idcard.birth_date(id_number)
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def eligibility_problems(item: dict[str, Any], id_number: str, today: date | None = None) -> dict[str, str]:
    """{"id_number": why, in one sentence} when the (valid) ID_NUMBER already shows the applicant
    cannot have ITEM by its catalog `eligibility` (min_age, max_age, id_regions), else {}: checked
    at intake (智能预审), before anyone photographs a document. The deciding office still decides."""
    rule = item.get("eligibility") or {}
    if not rule:
        return {}
    today = today or datetime.now(CHINA).date()
    name, name_en = item["name"], item.get("name_en") or item["name"]
    age = age_on(id_number, today)
    why = None
    if rule.get("min_age") is not None and age < rule["min_age"]:
        why = (f"{name}要年满 {rule['min_age']} 周岁，按身份证号，申请人现在 {age} 岁",
               f"{name_en} is for people aged {rule['min_age']} or over; by the ID number the applicant is {age}")
    elif rule.get("max_age") is not None and age > rule["max_age"]:
        why = (f"{name}只受理 {rule['max_age']} 周岁以下的申请人，按身份证号，申请人现在 {age} 岁",
               f"{name_en} is for people aged up to {rule['max_age']}; by the ID number the applicant is {age}")
    elif rule.get("id_regions") and not any(id_number.startswith(r) for r in rule["id_regions"]):
        why = (f"{name}只受理本地户籍的申请人，身份证号以 {'、'.join(rule['id_regions'])} 开头",
               f"{name_en} is for local residents (ID numbers starting {', '.join(rule['id_regions'])})")
    if why and rule.get("note"):  # (the catalog's own sentence, in Chinese; kept from looking like "中文 / English")
        why = (f"{why[0]}。{rule['note'].replace(' / ', '／')}", why[1])
    message = f"{why[0]} / {why[1]}" if why else None
    return {"id_number": message} if message else {}


def check(item: dict[str, Any], applicant: Mapping[str, Any] | None, form: Mapping[str, Any] | None,
          today: date | None = None) -> tuple[dict[str, str], dict[str, Any]]:
    """Validate a whole submission; raise ValidationError listing every field's problem."""
    app, errors = check_applicant(applicant or {}, today, item)
    if "id_number" not in errors:
        errors.update(eligibility_problems(item, app["id_number"], today))
    fields, field_errors = check_form(item, form or {}, today)
    errors.update(field_errors)
    if errors:
        raise ValidationError("申请信息有误，请修改后再提交 / please correct the highlighted answers",
                              details=[f"{k}: {v}" for k, v in errors.items()], fields=errors)
    return app, fields


# What of a catalog item a `submitted` event carries (its snapshot), so every tier follows the rules
# the application was made under even after the catalog changes.
SNAPSHOT_KEYS = ("code", "name", "department", "accept_tier", "decide_tier", "case_type", "fee", "legal_days",
                 "promised_days", "flow", "materials")
MAX_MATERIALS = 50
MAX_MATERIAL_BYTES = 32 * 1024 * 1024  # a photo or scan (uploads are capped below this; the wire refuses larger)


def snapshot(item: dict[str, Any], version: int | None) -> dict[str, Any]:
    """The item snapshot a `submitted` event carries for ITEM of catalog VERSION."""
    return dict({k: item[k] for k in SNAPSHOT_KEYS}, version=version)


def check_submitted(payload: dict[str, Any], item: dict[str, Any] | None, day: date) -> None:
    """Raise ValidationError unless PAYLOAD of a child's `submitted` event is one this node would have made.

    ITEM is this node's own catalog item at the snapshot's version (None: unknown here): the
    snapshot must equal it field for field, and the applicant, form and materials must pass the
    same checks a kiosk applies (DAY: the submission's date, for the ID card's birth date).
    """
    snap = payload.get("item")
    if not isinstance(snap, dict) or not isinstance(snap.get("code"), str):
        raise ValidationError("submitted 缺少事项快照 / the submission carries no item snapshot")
    if item is None:
        raise ValidationError(f"事项 {snap['code'][:20]!r} 不在本节点目录第 {snap.get('version')!r} 版中 / "
                              f"item not in this node's catalog at that version",
                              fix="the child must use a catalog its parent published")
    mine = snapshot(item, snap.get("version"))
    changed = sorted(k for k in mine if snap.get(k) != mine[k]) + sorted(k for k in snap if k not in mine)
    if changed:
        raise ValidationError(f"事项 {item['code']} 的快照与目录不符（{', '.join(changed)}）/ "
                              f"the item snapshot differs from the catalog in: {', '.join(changed)}",
                              fix="the child's catalog was altered: re-install it and let it receive the catalog")
    if not is_valid_tracking_code(payload.get("tracking_code", "")):
        raise ValidationError("查询码格式不对 / the tracking code is malformed")
    proxy = payload.get("proxy_by", "")
    if not isinstance(proxy, str) or len(proxy) > 64:
        raise ValidationError("proxy_by must be a username of at most 64 characters")
    form, applicant = payload.get("form", {}), payload.get("applicant")
    if not isinstance(form, dict) or not isinstance(applicant, dict):
        raise ValidationError("applicant and form must be maps")
    allowed = {"name", "id_number", "phone"} | (set(COMPANY_KEYS) if is_company_item(item) else set())
    if set(applicant) - allowed or not all(isinstance(v, str) for v in applicant.values()):
        raise ValidationError(f"applicant has {', '.join(sorted(allowed))}, each text")
    known = {f["key"] for f in item.get("fields", [])}
    if set(form) - known:
        raise ValidationError(f"表单含有事项没有的字段 / unknown form fields: {', '.join(sorted(set(form) - known))[:200]}")
    if not all(isinstance(v, (str, int, float)) and not isinstance(v, bool) for v in form.values()):
        raise ValidationError("form answers are text or numbers")
    clean_applicant, clean_form = check(item, applicant, {k: str(v) for k, v in form.items()}, today=day)
    # What the kiosk stores is what `check` returns; anything else was not made by a kiosk.
    if clean_applicant != applicant or clean_form != form:
        raise ValidationError("申请人或表单不是规范形式 / applicant or form answers are not in canonical form",
                              fix="a kiosk stores answers as it checked them; this one was altered")
    check_materials(payload.get("materials", []), item)


def check_materials(materials: Any, item: dict[str, Any] | None) -> None:
    """Raise ValidationError unless MATERIALS are well-formed entries (indexes into ITEM's materials; None: only -1)."""
    if not isinstance(materials, list) or len(materials) > MAX_MATERIALS:
        raise ValidationError(f"materials must be a list of at most {MAX_MATERIALS}")
    count = len(item.get("materials", [])) if item else 0
    for m in materials:
        ok = (isinstance(m, dict) and isinstance(m.get("sha256"), str) and len(m["sha256"]) == 64
              and all(c in "0123456789abcdef" for c in m["sha256"])
              and isinstance(m.get("material", -1), int) and -1 <= m.get("material", -1) < count
              and isinstance(m.get("size", 0), int) and 0 <= m.get("size", 0) <= MAX_MATERIAL_BYTES
              and isinstance(m.get("name", ""), str) and len(m.get("name", "")) <= 1000
              and isinstance(m.get("type", ""), str) and len(m.get("type", "")) <= 50
              and ("full" not in m or _full_ok(m["full"], m["sha256"])))
        if not ok:
            raise ValidationError("a material entry is malformed (sha256, material index, size, name, type, full)")


def full_copy(doc: Doc | None, sha: str) -> dict[str, Any] | None:
    """The full copy {sha256, size} of DOC's photo SHA (SHA: the review copy's or the full copy's own), or None."""
    for m in doc.get("materials", []) if doc else []:
        if isinstance(m, dict) and isinstance(m.get("full"), dict) and sha in (m.get("sha256"), m["full"].get("sha256")):
            return m["full"]
    return None


def _full_ok(full: Any, sha: str) -> bool:
    # A photo's full copy, kept where it was taken and pulled only on request: {sha256, size}, another blob.
    return (isinstance(full, dict) and set(full) == {"sha256", "size"} and isinstance(full["sha256"], str)
            and len(full["sha256"]) == 64 and all(c in "0123456789abcdef" for c in full["sha256"])
            and full["sha256"] != sha and isinstance(full["size"], int) and not isinstance(full["size"], bool)
            and 0 < full["size"] <= MAX_MATERIAL_BYTES)
