"""The service catalog (事项目录): parsing YAML or CSV, and validating every item completely.

`validate(doc)` returns the normalised catalog or raises ValidationError whose details name every
bad row and field, so a county administrator fixes a file in one pass.
"""
import hashlib
import json
import re
from collections.abc import Container, Sequence
from typing import Any

import yaml

from ..errors import ValidationError
from ..roles import CASEWORKERS, ROLES

TIERS = ("village", "township", "county")
DECIDE_TIERS = ("township", "county")
CASE_TYPES = {"instant": "即办件", "promised": "承诺件", "joint": "联办件", "reported": "上报件",
              "voice": "诉求件"}   # voice: complaints, suggestions, consultations (投诉建议咨询), answered not approved
# A voice item's step may belong to the department its `assigns` step (送阅) chose at run time.
ASSIGNED = "@assigned"
FORMS = ("original", "copy", "either")
FIELD_TYPES = ("text", "textarea", "number", "money", "date", "select", "phone", "idcard")
DATE_WHEN = ("past", "future")  # a date field's `when`: not after today / not before today
CODE_RE = re.compile(r"^[A-Z][A-Z0-9]{1,7}-[0-9]{3}$")
KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
ITEM_KEYS = {"code", "name", "name_en", "department", "accept_tier", "decide_tier", "case_type", "fee", "fee_note",
             "legal_days", "promised_days", "proxy_allowed", "conditions", "life_events", "keywords", "materials",
             "fields", "flow", "search_terms", "eligibility", "conditions_en", "applicant"}
# Who applies for an item: a person (the default), or a company or organisation, which gives its
# 统一社会信用代码 and legal representative besides the person who comes (e.g. construction permits).
APPLICANT_KINDS = ("person", "company")
ELIGIBILITY_KEYS = {"min_age", "max_age", "id_regions", "note"}


class _Problems(list):
    def add(self, where: str, message: str) -> None:
        """Record MESSAGE about the place WHERE."""
        self.append(f"{where}: {message}")


def _text(value: Any, where: str, problems: _Problems, name: str, required: bool = True, max_len: int = 200) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            problems.add(where, f"{name} is required")
        return ""
    if not isinstance(value, (str, int, float)):
        problems.add(where, f"{name} must be text")
        return ""
    value = str(value).strip()
    if len(value) > max_len:
        problems.add(where, f"{name} is longer than {max_len} characters")
    return value


def _int(value: Any, where: str, problems: _Problems, name: str, lo: int = 0, hi: int = 10_000) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).strip().lstrip("-").isdigit():
        problems.add(where, f"{name} must be a whole number, not {value!r}")
        return 0
    value = int(value)
    if not lo <= value <= hi:
        problems.add(where, f"{name} must be between {lo} and {hi}")
    return value


def _bool(value: Any, where: str, problems: _Problems, name: str, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "yes", "1", "y", "是"):
        return True
    if text in ("false", "no", "0", "n", "否"):
        return False
    problems.add(where, f"{name} must be true or false, not {value!r}")
    return default


def _choice(value: Any, choices: Sequence[str], where: str, problems: _Problems, name: str) -> Any:
    if value not in choices:
        problems.add(where, f"{name} must be one of {', '.join(choices)}, not {value!r}")
    return value


def _list(value: Any, where: str, problems: _Problems, name: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        problems.add(where, f"{name} must be a list")
        return []
    return value


def _material(m: Any, where: str, problems: _Problems) -> dict[str, Any] | None:
    if not isinstance(m, dict):
        problems.add(where, "a material must be a mapping with name, form, required")
        return None
    out = {
        "name": _text(m.get("name"), where, problems, "name"),
        "name_en": _text(m.get("name_en"), where, problems, "name_en", required=False),
        "form": _choice(m.get("form", "either"), FORMS, where, problems, "form"),
        "required": _bool(m.get("required"), where, problems, "required", True),
        "later": _bool(m.get("later"), where, problems, "later (容缺)", False),
        "note": _text(m.get("note"), where, problems, "note", required=False),
        "note_en": _text(m.get("note_en"), where, problems, "note_en", required=False),
    }
    if out["later"] and not out["required"]:
        problems.add(where, "later (容缺) only makes sense for a required material")
    return out


def _field(f: Any, where: str, problems: _Problems) -> dict[str, Any] | None:
    if not isinstance(f, dict):
        problems.add(where, "a form field must be a mapping with key, label, type")
        return None
    key = _text(f.get("key"), where, problems, "key")
    if key and not KEY_RE.match(key):
        problems.add(where, f"key {key!r} must be lower-case letters, digits and _")
    out = {
        "key": key,
        "label": _text(f.get("label"), where, problems, "label"),
        "label_en": _text(f.get("label_en"), where, problems, "label_en", required=False),
        "type": _choice(f.get("type", "text"), FIELD_TYPES, where, problems, "type"),
        "required": _bool(f.get("required"), where, problems, "required", True),
        "help": _text(f.get("help"), where, problems, "help", required=False),
        "help_en": _text(f.get("help_en"), where, problems, "help_en", required=False),
    }
    if f.get("when") is not None:  # a date that cannot be after today (a death) or before it (a due date)
        if out["type"] != "date":
            problems.add(where, "when (past or future) is only for date fields")
        out["when"] = _choice(f.get("when"), DATE_WHEN, where, problems, "when")
    if out["type"] == "select":
        options = [str(o) for o in _list(f.get("options"), where, problems, "options")]
        if not options:
            problems.add(where, "a select field needs options")
        out["options"] = options
    if f.get("pattern"):
        try:
            re.compile(str(f["pattern"]))
            out["pattern"] = str(f["pattern"])
        except re.error as exc:
            problems.add(where, f"pattern is not a valid regular expression: {exc}")
    for bound in ("min", "max", "max_length"):
        if f.get(bound) is not None:
            out[bound] = _int(f[bound], where, problems, bound, lo=-10**9, hi=10**9)
    return out


def _step(s: Any, where: str, problems: _Problems, item: dict[str, Any], departments: Container[str],
          ids: set[str]) -> dict[str, Any] | None:
    if not isinstance(s, dict):
        problems.add(where, "a step must be a mapping with id, name, role")
        return None
    sid = _text(s.get("id"), where, problems, "id")
    if sid in ids:
        problems.add(where, f"step id {sid!r} is used twice")
    ids.add(sid)
    role = s.get("role")
    tier = item["decide_tier"]  # (_item sets it, valid or not: a list or map from a careless file too)
    allowed = CASEWORKERS.get(tier, ()) if isinstance(tier, str) else ()
    if not isinstance(role, str) or role not in ROLES:
        problems.add(where, f"role {role!r} is not a known role")
    elif allowed and role not in allowed:
        problems.add(where, f"role {role} cannot act on a {item.get('decide_tier')} item; use {' or '.join(allowed)}")
    dept = s.get("department") or item.get("department")
    voice = item.get("case_type") == "voice"
    if dept == ASSIGNED and not voice:
        problems.add(where, f"department {ASSIGNED} is only for voice items (诉求件)")
    elif not isinstance(dept, str) or (dept not in departments and dept != ASSIGNED):
        problems.add(where, f"department {dept!r} is not in the catalog's departments")
    out = {"id": sid, "name": _text(s.get("name"), where, problems, "name"), "role": role, "department": dept,
           "days": _int(s.get("days", 0), where, problems, "days")}
    for flag in ("assigns", "answers"):  # 送阅 picks the department; 承办 writes the answer
        if _bool(s.get(flag), where, problems, flag, False):
            if not voice:
                problems.add(where, f"{flag} is only for voice items (诉求件)")
            out[flag] = True
    return out


def _flow(raw: Any, where: str, problems: _Problems, item: dict[str, Any],
          departments: Container[str]) -> list[dict[str, Any]]:
    flow: list[dict[str, Any]] = []
    ids: set[str] = set()  # step and group ids seen: each is used once
    for i, s in enumerate(_list(raw, where, problems, "flow")):
        w = f"{where}.flow[{i}]"
        if isinstance(s, dict) and "parallel" in s:
            p = s["parallel"] if isinstance(s["parallel"], dict) else {}
            branches = [_step(b, f"{w}.branches[{j}]", problems, item, departments, ids)
                        for j, b in enumerate(_list(p.get("branches"), w, problems, "branches"))]
            if len(branches) < 2:
                problems.add(w, "a parallel group needs at least 2 branches")
            gid = _text(p.get("id"), w, problems, "id")
            ids.add(gid)
            flow.append({"parallel": {"id": gid, "name": _text(p.get("name"), w, problems, "name"),
                                      "rule": _choice(p.get("rule", "all"), ("all", "any"), w, problems, "rule"),
                                      "branches": [b for b in branches if b]}})
        else:
            step = _step(s, w, problems, item, departments, ids)
            if step:
                flow.append(step)
    return flow


def _item(raw: Any, where: str, problems: _Problems, departments: Container[str]) -> dict[str, Any] | None:
    if not isinstance(raw, dict):
        problems.add(where, "an item must be a mapping")
        return None
    code = _text(raw.get("code"), where, problems, "code")
    unknown = sorted(set(raw) - ITEM_KEYS)
    if unknown:
        problems.add(f"{where} ({code})" if code else where, f"unknown key(s) {', '.join(unknown)}")
    if code and not CODE_RE.match(code):
        problems.add(where, f"code {code!r} must look like MZ-001 (letters, dash, 3 digits)")
    where = f"{where} ({code})" if code else where
    item = {
        "code": code,
        "name": _text(raw.get("name"), where, problems, "name"),
        "name_en": _text(raw.get("name_en"), where, problems, "name_en", required=False),
        "department": raw.get("department"),
        "accept_tier": _choice(raw.get("accept_tier", "village"), TIERS, where, problems, "accept_tier"),
        "decide_tier": _choice(raw.get("decide_tier"), DECIDE_TIERS, where, problems, "decide_tier"),
        "case_type": _choice(raw.get("case_type"), tuple(CASE_TYPES), where, problems, "case_type"),
        "fee": 0.0,
        "fee_note": _text(raw.get("fee_note"), where, problems, "fee_note", required=False),
        "legal_days": _int(raw.get("legal_days"), where, problems, "legal_days"),
        "promised_days": _int(raw.get("promised_days"), where, problems, "promised_days"),
        "proxy_allowed": _bool(raw.get("proxy_allowed"), where, problems, "proxy_allowed", True),
        "conditions": _text(raw.get("conditions"), where, problems, "conditions", required=False, max_len=1000),
        "conditions_en": _text(raw.get("conditions_en"), where, problems, "conditions_en", required=False, max_len=1000),
        "life_events": [str(e) for e in _list(raw.get("life_events"), where, problems, "life_events")],
        "keywords": [str(e) for e in _list(raw.get("keywords"), where, problems, "keywords")],
        # Pinyin of name, keywords and department, added at import (catalog_search.with_search_terms)
        # so nodes that only receive the catalog never load pypinyin's ~45 MB of dictionaries.
        "search_terms": [str(e) for e in _list(raw.get("search_terms"), where, problems, "search_terms")],
    }
    item["eligibility"] = _eligibility(raw.get("eligibility"), where, problems)
    if raw.get("applicant", "person") != "person":  # kept only when not the default: items stay as they were
        item["applicant"] = _choice(raw.get("applicant"), APPLICANT_KINDS, where, problems, "applicant")
    if not isinstance(item["department"], str) or item["department"] not in departments:
        problems.add(where, f"department {item['department']!r} is not in the catalog's departments")
    try:
        item["fee"] = round(float(raw.get("fee", 0) or 0), 2)
        if item["fee"] < 0:
            raise ValueError
    except (TypeError, ValueError):
        problems.add(where, f"fee must be a non-negative amount in yuan, not {raw.get('fee')!r}")
    if item["promised_days"] > item["legal_days"]:
        problems.add(where, "promised_days cannot exceed legal_days (承诺时限不得超过法定时限)")
    if TIERS.index(item["accept_tier"] if item["accept_tier"] in TIERS else "village") > \
            TIERS.index(item["decide_tier"] if item["decide_tier"] in TIERS else "county"):
        problems.add(where, "accept_tier cannot be above decide_tier")
    mats = [_material(m, f"{where}.materials[{i}]", problems)
            for i, m in enumerate(_list(raw.get("materials"), where, problems, "materials"))]
    item["materials"] = [m for m in mats if m]
    fields = [_field(f, f"{where}.fields[{i}]", problems)
              for i, f in enumerate(_list(raw.get("fields"), where, problems, "fields"))]
    item["fields"] = [f for f in fields if f]
    keys = [f["key"] for f in item["fields"]]
    for dup in sorted({k for k in keys if keys.count(k) > 1}):
        problems.add(where, f"form field key {dup!r} is used twice")
    item["flow"] = _flow(raw.get("flow"), where, problems, item, departments)
    has_parallel = any("parallel" in s for s in item["flow"])
    if item["case_type"] == "joint" and not has_parallel:
        problems.add(where, "a joint item (联办件) needs a parallel group in its flow")
    if item["case_type"] == "instant" and item["promised_days"] != 0:
        problems.add(where, "an instant item (即办件) has promised_days 0")
    if item["case_type"] == "voice":
        _voice_flow(item, where, problems)
    return item


def _eligibility(raw: Any, where: str, problems: _Problems) -> dict[str, Any]:
    """The item's intake pre-check (智能预审) from the ID number: {} when it has none."""
    if raw in (None, {}):
        return {}
    if not isinstance(raw, dict):
        problems.add(where, "eligibility must be a mapping of min_age, max_age, id_regions, note")
        return {}
    unknown = sorted(set(raw) - ELIGIBILITY_KEYS)
    if unknown:
        problems.add(where, f"eligibility: unknown key(s) {', '.join(unknown)}")
    out: dict[str, Any] = {}
    for key in ("min_age", "max_age"):
        if raw.get(key) is not None:
            value = raw[key]
            if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 150:
                problems.add(where, f"eligibility.{key} must be a whole number of years 0–150, not {value!r}")
            else:
                out[key] = value
    if "min_age" in out and "max_age" in out and out["min_age"] > out["max_age"]:
        problems.add(where, "eligibility.min_age cannot exceed max_age")
    if raw.get("id_regions") is not None:
        regions = raw["id_regions"]
        if not isinstance(regions, list) or not regions or len(regions) > 50 or not all(
                isinstance(r, str) and r.isdigit() and 2 <= len(r) <= 6 for r in regions):
            problems.add(where, "eligibility.id_regions must be a list of 2–6 digit region codes (e.g. [\"371399\"])")
        else:
            out["id_regions"] = regions
    note = _text(raw.get("note"), where, problems, "eligibility.note", required=False, max_len=200)
    if note:
        out["note"] = note
    return out


def _voice_flow(item: dict[str, Any], where: str, problems: _Problems) -> None:
    """A voice item: one plain flow, one step that answers, and any @assigned step after the one that assigns."""
    if item["decide_tier"] != "county" or any("parallel" in s for s in item["flow"]):
        problems.add(where, "a voice item (诉求件) is decided at the county, with a flow of single steps")
        return
    assigns = [i for i, s in enumerate(item["flow"]) if s.get("assigns")]
    answers = [s for s in item["flow"] if s.get("answers")]
    if len(answers) != 1 or len(assigns) > 1:
        problems.add(where, "a voice item needs exactly one step with answers: true and at most one with assigns: true")
    for i, s in enumerate(item["flow"]):
        if s["department"] == ASSIGNED and not (assigns and assigns[0] < i):
            problems.add(where, f"step {s['id']}: department {ASSIGNED} needs an earlier step with assigns: true")


def validate(doc: Any) -> dict[str, Any]:
    """Validate a whole catalog mapping {label, departments, items}; return it normalised."""
    problems = _Problems()
    if not isinstance(doc, dict):
        raise ValidationError("目录文件应为一个映射 / the catalog must be a mapping with departments and items")
    for key in sorted(set(doc) - {"label", "departments", "items"}):
        if not str(key).startswith("x-"):
            problems.add("top level", f"unknown key {key!r} (extension keys start with x-)")
    departments = {}
    for i, d in enumerate(_list(doc.get("departments"), "departments", problems, "departments")):
        w = f"departments[{i}]"
        if not isinstance(d, dict):
            problems.add(w, "a department must be a mapping with code and name")
            continue
        code = _text(d.get("code"), w, problems, "code", max_len=8)
        if code in departments:
            problems.add(w, f"department code {code!r} is used twice")
        departments[code] = {"code": code, "name": _text(d.get("name"), w, problems, "name"),
                             "name_en": _text(d.get("name_en"), w, problems, "name_en", required=False)}
    items, seen = [], set()
    raw_items = _list(doc.get("items"), "items", problems, "items")
    if not raw_items:
        problems.add("items", "the catalog has no items")
    for i, raw in enumerate(raw_items):
        item = _item(raw, f"items[{i}]", problems, departments)
        if item:
            if item["code"] in seen:
                problems.add(f"items[{i}]", f"item code {item['code']!r} is used twice")
            seen.add(item["code"])
            items.append(item)
    if problems:
        raise ValidationError(f"目录有 {len(problems)} 处错误，未导入任何内容 / the catalog has {len(problems)} "
                              "problem(s); nothing was imported", details=problems,
                              fix="fix every line listed and import again; the current catalog is unchanged")
    return {"label": str(doc.get("label") or ""), "departments": list(departments.values()), "items": items}


def checksum(catalog: dict[str, Any]) -> str:
    """sha256 of the catalog's canonical JSON: equal catalogs, equal checksums."""
    return hashlib.sha256(json.dumps(catalog, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def load_yaml(text: str) -> Any:
    """Parse catalog YAML text (not yet validated)."""
    try:
        # libyaml's loader when the wheel has it: ten times faster on the 1,000-line shipped catalog.
        return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as exc:
        raise ValidationError(f"YAML 格式错误 / the file is not valid YAML: {exc}",
                              fix="fix the line shown; the current catalog is unchanged") from None
