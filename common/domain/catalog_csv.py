"""Catalog items from CSV: one row per item, lists packed in cells (see docs/catalog.md).

Cells: life_events "养老;救助"; materials "居民身份证/original/required; 户口簿/copy/required/later";
fields "key:label:type[:optional]"; flow "id:name:role[:DEPT]; all(id:name:role:DEPT|id:name:role:DEPT)".
Departments are not in the CSV: rows refer to those of the current catalog.
"""
import csv
import io
import re
from collections.abc import Iterable
from typing import Any

from ..errors import ValidationError

COLUMNS = ("code", "name", "name_en", "department", "accept_tier", "decide_tier", "case_type", "fee",
           "legal_days", "promised_days", "proxy_allowed", "applicant", "life_events", "materials", "fields", "flow")
REQUIRED = ("code", "name", "department", "decide_tier", "case_type", "legal_days", "promised_days")
_PARALLEL = re.compile(r"^(all|any)\((.*)\)$")


def _split(cell: str | None, sep: str = ";") -> list[str]:
    return [p.strip() for p in (cell or "").split(sep) if p.strip()]


def _materials(cell: str | None, where: str, problems: list[str]) -> list[dict[str, Any]]:
    out = []
    for part in _split(cell):
        bits = [b.strip() for b in part.split("/")]
        flags = set(bits[2:])
        unknown = flags - {"required", "optional", "later"}
        if unknown:
            problems.append(f"{where}, column materials: unknown flag(s) {', '.join(sorted(unknown))} in {part!r}")
        out.append({"name": bits[0], "form": bits[1] if len(bits) > 1 else "either",
                    "required": "optional" not in flags, "later": "later" in flags})
    return out


def _fields(cell: str | None, where: str, problems: list[str]) -> list[dict[str, Any]]:
    out = []
    for part in _split(cell):
        bits = [b.strip() for b in part.split(":")]
        if len(bits) < 3:
            problems.append(f"{where}, column fields: {part!r} should be key:label:type[:optional]")
            continue
        out.append({"key": bits[0], "label": bits[1], "type": bits[2], "required": "optional" not in bits[3:]})
    return out


def _step(text: str, where: str, problems: list[str]) -> dict[str, str] | None:
    bits = [b.strip() for b in text.split(":")]
    if len(bits) < 3:
        problems.append(f"{where}, column flow: {text!r} should be id:name:role[:DEPT]")
        return None
    step = {"id": bits[0], "name": bits[1], "role": bits[2]}
    if len(bits) > 3 and bits[3]:
        step["department"] = bits[3]
    return step


def _flow(cell: str | None, where: str, problems: list[str]) -> list[dict[str, Any]]:
    flow: list[dict[str, Any]] = []
    for i, part in enumerate(_split(cell)):
        m = _PARALLEL.match(part)
        if m:
            branches = [_step(b, where, problems) for b in m.group(2).split("|")]
            flow.append({"parallel": {"id": f"joint{i + 1}", "name": "联合审查", "rule": m.group(1),
                                      "branches": [b for b in branches if b]}})
        else:
            step = _step(part, where, problems)
            if step:
                flow.append(step)
    return flow


def parse(text: str, departments: Iterable[dict[str, Any]], label: str = "") -> dict[str, Any]:
    """Turn CSV TEXT into a catalog mapping over DEPARTMENTS (a list of department dicts)."""
    problems = []
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = reader.fieldnames or []
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise ValidationError(f"CSV 缺少列 / the CSV lacks column(s): {', '.join(missing)}",
                              fix=f"the header row should be: {','.join(COLUMNS)}")
    extra = [c for c in header if c not in COLUMNS]
    if extra:
        problems.append(f"header: unknown column(s) {', '.join(extra)}")
    items = []
    for n, row in enumerate(reader, start=2):
        where = f"row {n} ({row.get('code') or '?'})"
        if None in row:
            problems.append(f"{where}: more cells than columns")
        item = {k: (row.get(k) or "").strip() for k in COLUMNS if k in row and k not in
                ("life_events", "materials", "fields", "flow")}
        item = {k: v for k, v in item.items() if v != "" or k in REQUIRED}
        item["life_events"] = _split(row.get("life_events"))
        item["materials"] = _materials(row.get("materials"), where, problems)
        item["fields"] = _fields(row.get("fields"), where, problems)
        item["flow"] = _flow(row.get("flow"), where, problems)
        items.append(item)
    if problems:
        raise ValidationError(f"CSV 有 {len(problems)} 处错误，未导入任何内容", details=problems,
                              fix="fix every line listed and import again; the current catalog is unchanged")
    return {"label": label, "departments": list(departments), "items": items}
