"""Performance figures (绩效): received, accepted, completed, on-time and early-completion rates, working days.

Pure over application projections, so a hand-computed fixture checks every figure. In a period
[start, end] (inclusive dates):
- received: submitted in the period; accepted: accepted in it; completed: decided (approved,
  denied or not accepted) in it;
- on time: completed on or before the deadline (the promised working days after acceptance,
  pushed by the working days paused for documents); early (提前办结): strictly before it;
- working days: from acceptance to decision, less the days paused, averaged over completed ones.
A group with fewer than MIN_SAMPLE completed applications gets no rates and is not ranked.
"""
from datetime import date

from markupsafe import Markup, escape

MIN_SAMPLE = 5
GROUPS = ("department", "township", "village", "item")


def _key(doc, group):
    if group == "department":
        return doc["item"].get("department", "")
    if group == "township":
        return doc["origin"][:9]
    if group == "village":
        return doc["origin"] if len(doc["origin"]) == 12 else ""
    return doc["item"]["code"]


def _between(day, start, end):
    return bool(day) and start <= date.fromisoformat(day) <= end


def _decided_on(doc):
    decision = doc.get("decision") or {}
    return decision.get("on") if decision.get("outcome") else None


def figures(docs, cal, start, end, group="department", min_sample=MIN_SAMPLE):
    """[{key, received, accepted, completed, on_time, early, on_time_rate, early_rate, avg_working_days, ranked}].

    DOCS are projections with `due_on` as the calendar CAL gives it; rows are ranked by on-time
    rate (then early rate), unranked groups last.
    """
    if group not in GROUPS:
        raise ValueError(f"group must be one of {GROUPS}")
    rows = {}
    for doc in docs:
        key = _key(doc, group)
        if not key:
            continue
        r = rows.setdefault(key, {"key": key, "received": 0, "accepted": 0, "completed": 0, "on_time": 0, "early": 0,
                                  "_days": 0})
        r["received"] += _between(doc["submitted_on"], start, end)
        r["accepted"] += _between(doc.get("accepted_on"), start, end)
        decided = _decided_on(doc)
        if not _between(decided, start, end):
            continue
        r["completed"] += 1
        due, done = doc.get("due_on"), date.fromisoformat(decided)
        if due is None or done <= date.fromisoformat(due):
            r["on_time"] += 1
        if due is not None and done < date.fromisoformat(due):
            r["early"] += 1
        if doc.get("accepted_on"):
            worked = cal.working_days_between(date.fromisoformat(doc["accepted_on"]), done)
            r["_days"] += max(0, worked - doc.get("paused_days", 0))
    out = []
    for r in rows.values():
        days = r.pop("_days")
        ranked = r["completed"] >= min_sample
        r.update(ranked=ranked,
                 on_time_rate=round(r["on_time"] / r["completed"], 4) if ranked else None,
                 early_rate=round(r["early"] / r["completed"], 4) if ranked else None,
                 avg_working_days=round(days / r["completed"], 2) if r["completed"] else None)
        out.append(r)
    return sorted(out, key=lambda r: (not r["ranked"], -(r["on_time_rate"] or 0), -(r["early_rate"] or 0), r["key"]))


def totals(rows):
    """The whole county's counts summed over ROWS of one grouping."""
    keys = ("received", "accepted", "completed", "on_time", "early")
    out = {k: sum(r[k] for r in rows) for k in keys}
    out["on_time_rate"] = round(out["on_time"] / out["completed"], 4) if out["completed"] else None
    out["early_rate"] = round(out["early"] / out["completed"], 4) if out["completed"] else None
    return out


def bar_chart(rows, value, label, title, width=640, bar=28):
    """An SVG bar chart (0–100 %) of VALUE per row, labelled by LABEL(row); drawn here, no library."""
    shown = [r for r in rows if r.get(value) is not None]
    height = 30 + bar * max(1, len(shown))
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
             f'aria-label="{escape(title)}" class="chart"><title>{escape(title)}</title>']
    for i, r in enumerate(shown):
        y, w = 20 + i * bar, round((width - 260) * r[value])
        parts.append(f'<text x="0" y="{y + bar * 0.65}" font-size="14">{escape(label(r))}</text>'
                     f'<rect x="180" y="{y + 4}" width="{w}" height="{bar - 8}" fill="#0b4f8a"></rect>'
                     f'<text x="{186 + w}" y="{y + bar * 0.65}" font-size="14">{r[value] * 100:.1f}%</text>')
    return Markup("".join(parts) + "</svg>")
