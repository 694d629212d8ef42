"""Editing one catalog item from a web form: form ⇄ item, and the whole catalog with it changed.

The form carries the item's plain fields as inputs and its materials, form fields and flow as
YAML lists (the same shape as the catalog file, docs/catalog.md). The result is a whole new
catalog document that `catalog.validate` checks like any import, so an edit can never store
what an import would refuse.
"""
from collections.abc import Mapping
from typing import Any

import yaml

from ..errors import Conflict, NotFound, ValidationError
from .catalog import load_yaml

PLAIN = ("code", "name", "name_en", "department", "accept_tier", "decide_tier", "case_type", "fee", "fee_note",
         "legal_days", "promised_days", "conditions")
LISTS = ("life_events", "keywords")      # one per line in the form
STRUCTURED = ("materials", "fields", "flow")  # YAML in the form
BLANK = {"accept_tier": "village", "decide_tier": "township", "case_type": "promised", "fee": 0, "legal_days": 20,
         "promised_days": 10, "proxy_allowed": True, "materials": [], "fields": [],
         "flow": [{"id": "review", "name": "审核", "role": "township_staff"}]}


def _yaml(value: Any) -> str:
    return yaml.safe_dump(value, allow_unicode=True, sort_keys=False, default_flow_style=False, width=100) \
        if value else "[]\n"


def form_of(item: dict[str, Any]) -> dict[str, str]:
    """The form values {name: text} that show ITEM for editing."""
    out = {k: "" if item.get(k) is None else str(item.get(k)) for k in PLAIN}
    out.update({k: "\n".join(item.get(k, [])) for k in LISTS})
    out.update({k: _yaml(item.get(k, [])) for k in STRUCTURED})
    out["eligibility"] = _yaml(item["eligibility"]) if item.get("eligibility") else ""
    out["proxy_allowed"] = "on" if item.get("proxy_allowed", True) else ""
    out["company"] = "on" if item.get("applicant") == "company" else ""
    return out


def item_of(form: Mapping[str, Any]) -> dict[str, Any]:
    """The raw item (not yet validated) a submitted FORM describes; ValidationError naming a bad YAML box."""
    item: dict[str, Any] = {k: str(form.get(k, "")).strip() for k in PLAIN}
    for k in ("legal_days", "promised_days"):
        item[k] = int(item[k]) if item[k].lstrip("-").isdigit() else item[k]
    item = {k: v for k, v in item.items() if v != "" or k in ("code", "name", "department")}
    item.update({k: [line.strip() for line in str(form.get(k, "")).splitlines() if line.strip()] for k in LISTS})
    item["proxy_allowed"] = form.get("proxy_allowed") in ("on", "true", "1", True)
    if form.get("company") in ("on", "true", "1", True):
        item["applicant"] = "company"
    problems: dict[str, str] = {}
    for k in STRUCTURED:
        try:
            value = load_yaml(str(form.get(k, "") or "[]"))
        except ValidationError as exc:
            problems[k] = exc.message
            continue
        if value is None:
            value = []
        if not isinstance(value, list):
            problems[k] = f"{k} 须是 YAML 列表（每项以 - 开头）/ {k} must be a YAML list (lines starting with -)"
            continue
        item[k] = value
    try:
        rule = load_yaml(str(form.get("eligibility", "") or "{}"))
    except ValidationError as exc:
        problems["eligibility"] = exc.message
    else:
        rule = {} if rule is None else rule
        if isinstance(rule, dict):
            item["eligibility"] = rule
        else:
            problems["eligibility"] = "预审条件须是 YAML 键值（如 min_age: 80）/ eligibility must be a YAML mapping (e.g. min_age: 80)"
    if problems:
        raise ValidationError("事项未保存：有的框不是有效的列表 / not saved: a box is not a valid list",
                              fields=problems, details=list(problems.values()),
                              fix="each box holds a YAML list as in docs/catalog.md; nothing was changed")
    return item


def with_item(catalog: dict[str, Any], base_version: int | str, current_version: int | str, item: dict[str, Any],
              replacing: str | None = None) -> dict[str, Any]:
    """CATALOG (an export of CURRENT_VERSION) with ITEM in place of REPLACING (None: added).

    Conflict when the catalog moved on since the editor opened BASE_VERSION, or the code is taken."""
    if int(base_version) != int(current_version):
        raise Conflict(f"目录已更新到第 {current_version} 版，您打开的是第 {base_version} 版 / "
                       "the catalog changed while you were editing",
                       fix="copy your changes, reopen the item and apply them to the new version")
    codes = [it["code"] for it in catalog["items"]]
    if replacing is not None and replacing not in codes:
        raise NotFound(f"事项 {replacing} 已不在目录中 / item {replacing} is no longer in the catalog")
    if item.get("code") != replacing and item.get("code") in codes:
        raise Conflict(f"事项编码 {item.get('code')} 已被使用 / code {item.get('code')} is taken",
                       fix="choose another code, e.g. the next free number of the department")
    item = {k: v for k, v in item.items() if k != "search_terms"}  # recomputed at import
    items = [item if it["code"] == replacing else it for it in catalog["items"]]
    if replacing is None:
        items.append(item)
    return dict(catalog, items=sorted(items, key=lambda it: str(it.get("code"))))


def without_item(catalog: dict[str, Any], base_version: int | str, current_version: int | str,
                 code: str) -> dict[str, Any]:
    """CATALOG without item CODE (retired: applications already made keep their own copy of it)."""
    if int(base_version) != int(current_version):
        raise Conflict(f"目录已更新到第 {current_version} 版 / the catalog changed", fix="reopen the item and try again")
    items = [it for it in catalog["items"] if it["code"] != code]
    if len(items) == len(catalog["items"]):
        raise NotFound(f"事项 {code} 已不在目录中 / item {code} is no longer in the catalog")
    return dict(catalog, items=items)
