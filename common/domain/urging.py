"""督办/催办: the county's supervisors urge the office responsible for a case near or past its deadline.

Pure. An `urged` event is commutative and changes no state: it counts the urges and keeps the
latest (by HLC, so its arrival order does not matter), and each tier shows it to the office holding
the case. It originates only at the county: a township or village that claims to have urged is
refused by `check_shape` (docs/protocol.md). Whom it is for is decided by the county from its own
projection (the custodian, and at the county the departments the case awaits), not from the form.
"""
from collections.abc import Container, Iterable
from typing import Any

from ..errors import Conflict, CustodyError, TooMany, ValidationError
from ..roles import URGERS
from .deadlines import LEVELS
from .nodes import COUNTY_LENGTH, VILLAGE_LENGTH, tier_of
from .record import Doc, Event
from .states import URGEABLE

KINDS = {"cuiban": ("催办", "Reminder"), "duban": ("督办", "Supervision order")}
NOTE_MAX = 500
MAX_DEPARTMENTS = 20
# A double click, or a script, must not text an office's staff again and again: one urge of a kind
# per case per day (催办 then 督办 the same day is an escalation, and allowed), and a case urged this
# often has a problem no further urge will solve.
URGES_PER_CASE = 30
BY_NAME_MAX = 60  # the supervisor's name as the case shows it at every tier (their account is the county's)


def kind_label(kind: str, lang: str = "zh") -> str:
    """The words for an urge of KIND (催办 or 督办)."""
    zh, en = KINDS.get(kind, (kind, kind))
    return zh if lang == "zh" else en


def check_shape(event: Event) -> None:
    """Raise unless EVENT is an `urged` event a county made with a well-formed payload (bounded sizes, types)."""
    if tier_of(event["origin"]) != "county":
        raise CustodyError("只有县级电子监察可以督办 / only the county's supervisors urge",
                           fix="a township or village cannot send 督办 or 催办")
    p = event["payload"]
    problems = []
    if p.get("kind") not in KINDS:
        problems.append(f"kind must be one of {', '.join(KINDS)}")
    if not isinstance(p.get("note"), str) or not p["note"].strip() or len(p["note"]) > NOTE_MAX:
        problems.append(f"note must be non-blank text of at most {NOTE_MAX} characters")
    if p.get("level") not in LEVELS[1:]:
        problems.append("level must be yellow or red")
    if not isinstance(p.get("office"), str) or not COUNTY_LENGTH <= len(p["office"]) <= VILLAGE_LENGTH or not p["office"].isdigit():
        problems.append("office must be the code of the node holding the case")
    depts = p.get("departments", [])
    if not isinstance(depts, list) or len(depts) > MAX_DEPARTMENTS or \
            not all(isinstance(d, str) and 0 < len(d) <= 16 for d in depts):
        problems.append(f"departments must be a list of at most {MAX_DEPARTMENTS} department codes")
    if not isinstance(p.get("by_name", ""), str) or len(p.get("by_name", "")) > BY_NAME_MAX:
        problems.append(f"by_name must be text of at most {BY_NAME_MAX} characters")
    if not isinstance(p.get("on", ""), str) or len(p.get("on", "")) > 10:
        problems.append("on must be a date (YYYY-MM-DD)")
    if problems:
        raise ValidationError("督办内容有误 / malformed urge", details=problems)


def urged(doc: Doc, event: Event, day: str) -> None:
    """DOC after the `urged` EVENT of DAY (in place): one more urge, and the latest one kept."""
    p = event["payload"]
    doc["urges"] = doc.get("urges", 0) + 1
    latest = doc.get("urged") or {}
    if event["hlc"] >= latest.get("hlc", ""):
        doc["urged"] = {"kind": p.get("kind"), "note": p.get("note", ""), "level": p.get("level"),
                        "office": p.get("office", ""), "departments": list(p.get("departments") or []),
                        "by": event["actor"], "by_name": p.get("by_name", ""), "on": p.get("on") or day,
                        "hlc": event["hlc"]}


def may_urge(doc: Doc, me: str, roles: Iterable[tuple[str, str | None]]) -> bool:
    """True when a holder of ROLES ((role, department) pairs) at node ME may urge on DOC now: a supervisor at
    the county, on an unfinished case that carries a yellow or red warning."""
    return tier_of(me) == "county" and any(r in URGERS for r, _ in roles) and doc["state"] in URGEABLE \
        and doc.get("warning") in LEVELS[1:]


def payload_for(doc: Doc, kind: object, note: object, today: str, awaiting: Iterable[str] = (),
                by_name: str = "") -> dict[str, Any]:
    """The payload of an urge of KIND with NOTE on DOC TODAY (an ISO date), for the office holding it.

    AWAITING: the departments DOC awaits at the county (when the county holds it). ValidationError
    names the field a person got wrong.
    """
    if not isinstance(kind, str) or kind not in KINDS:
        raise ValidationError("请选择催办或督办 / choose 催办 or 督办", fields={"kind": "请选择一项"})
    note = note.strip() if isinstance(note, str) else ""
    if not note:
        raise ValidationError("请写明督办事项 / say what is to be done", fields={"note": "请填写督办内容"})
    if len(note) > NOTE_MAX:
        raise ValidationError(f"督办内容不能超过 {NOTE_MAX} 字 / at most {NOTE_MAX} characters",
                              fields={"note": f"不超过 {NOTE_MAX} 字"})
    departments = sorted({d for d in awaiting if d})[:MAX_DEPARTMENTS] if tier_of(doc["custody"]) == "county" else []
    return {"kind": kind, "note": note, "level": doc.get("warning"), "office": doc["custody"],
            "departments": departments, "on": today, "by_name": str(by_name or "")[:BY_NAME_MAX]}


def check_not_repeated(doc: Doc, kind: str, today: str) -> None:
    """Raise unless an urge of KIND may be sent on DOC TODAY: Conflict when one was sent today already,
    TooMany when the case has had URGES_PER_CASE."""
    if doc.get("urges", 0) >= URGES_PER_CASE:
        raise TooMany(f"此件已督办 {URGES_PER_CASE} 次，请直接联系承办单位负责人 / this case has been urged "
                      f"{URGES_PER_CASE} times", fix="call the office's head; the supervision page names the office")
    latest = doc.get("urged") or {}
    if latest.get("kind") == kind and latest.get("on") == today:
        raise Conflict(f"今天已对此件{kind_label(kind)}过，短信已发出，明天可以再次{kind_label(kind)} / already "
                       f"urged today", fix="wait for the office to act, or send 督办 instead of 催办")


def recipients(users: Iterable[dict[str, Any]], departments: Container[str]) -> list[tuple[str, str]]:
    """[(username, phone)] of the active approvers of DEPARTMENTS among USERS who gave a mobile number."""
    out = []
    for u in users:
        if u.get("disabled") or not u.get("phone"):
            continue
        if any(r == "county_approver" and d in departments for r, d in u["roles"]):
            out.append((u["username"], u["phone"]))
    return out
