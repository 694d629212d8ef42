"""Applications (办件) as events: the state machine, the custody rule, and the projection.

An application's state is a fold of its events in HLC order. Two kinds of events:
- decision events change the case and may be appended only by the node holding custody
  (one node decides at a time: `check_custody`; docs/architecture.md, "Custody"); each has the
  states it may follow;
- commutative events (comments, supplements provided, ratings, …) may come from any tier.
`apply(doc, event, strict=True)` is used where an event is created; replicas replay with
strict=False, following the authority even if they missed something (noted in `anomalies`).
"""
from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any, cast

from .. import hlc
from ..clock import CHINA  # noqa: F401  (re-exported: pages and tests ask the state machine for it)
from ..errors import CustodyError, TransitionError, ValidationError
from ..workcal import WorkCalendar
from . import ratings, urging
from .nodes import parent_of, tier_of
from .record import Application, Doc, Event
from .states import AWAITING_INTAKE, AWAITING_PARENT, IN_FLOW, OUTCOMES, TO_DELIVER, WITHDRAWABLE
from .states import UNFINISHED  # noqa: F401  (re-exported: the state machine's callers ask it)

# type: (allowed previous states, resulting state or None when computed)
DECISIONS = {
    "received": (frozenset(AWAITING_PARENT), None),
    "accepted": (frozenset(AWAITING_INTAKE), "accepted"),
    "not_accepted": (frozenset(AWAITING_INTAKE), "not_accepted"),
    "supplement_requested": ({"received", "forwarded", "accepted", "in_review", "returned"}, "supplement"),
    "forwarded": ({"submitted", "received", "accepted"}, None),
    "escalated": ({"received", "accepted", "in_review", "returned"}, "escalated"),
    "escalation_answered": ({"escalation_review"}, None),
    "step_passed": (frozenset(IN_FLOW), "in_review"),
    "step_returned": (frozenset(IN_FLOW), "returned"),
    "approved": (frozenset(IN_FLOW), "approved"),
    "denied": ({"accepted", "in_review", "returned"}, "denied"),
    "delivered": (frozenset(TO_DELIVER), "delivered"),
    "withdrawn": (frozenset(WITHDRAWABLE), "withdrawn"),
}
COMMUTATIVE = {"commented", "supplement_provided", "rated", "consult_held", "withdrawal_requested",
               "warning_raised", "callback_booked", "rectification_done", "sms_opted_out", "appointment_booked",
               "urged"}
EVENT_TYPES = {"submitted"} | set(DECISIONS) | COMMUTATIVE
# Commutative events whose effect does not depend on the state or on the events around them
# (counters and flags): one that arrives late is applied as it is, without replaying the history.
ORDER_FREE = {"commented", "consult_held", "callback_booked", "sms_opted_out", "withdrawal_requested", "urged"}
# How the county answers an escalation: back to the township, decided by the reviewer, or by a department.
RESOLUTIONS = ("returned", "taken", "routed")
REASON_REQUIRED = {"not_accepted", "supplement_requested", "escalated", "step_returned", "denied", "withdrawn"}


def event_date(stamp: str) -> date:
    """The calendar day (China time) of an HLC timestamp string STAMP."""
    return datetime.fromtimestamp(hlc.parse(stamp).ms / 1000, CHINA).date()


def day_of_ms(ms: int) -> str:
    """The calendar day (China time) of a Unix time in ms, as YYYY-MM-DD."""
    return datetime.fromtimestamp(ms / 1000, CHINA).date().isoformat()


# Decisions carry their legal day ("on") from the deciding node's business clock: an HLC can be
# pushed ahead by a timestamp observed from elsewhere, and a day late past midnight is a day lost.
DATED = frozenset(DECISIONS)
ON_SLACK_DAYS = 1  # "on" may differ from its HLC's day by this much (a clock moved back, midnight)


def on_problem(event: Event) -> str | None:
    """Why EVENT's legal day ("on") is not acceptable (None when absent or fine)."""
    if "on" not in event["payload"]:
        return None
    on = event["payload"]["on"]
    try:
        day = date.fromisoformat(on) if isinstance(on, str) and len(on) == 10 else None
    except ValueError:
        day = None
    if day is None or on != day.isoformat() or abs((day - event_date(event["hlc"])).days) > ON_SLACK_DAYS:
        return f"payload 'on' must be a date (YYYY-MM-DD) within {ON_SLACK_DAYS} day of the event's time"
    return None


def event_day(event: Event) -> str:
    """The legal day of EVENT: its "on" where the deciding node stated it, else its HLC's day (ISO text)."""
    on = event["payload"].get("on")
    if on is not None and on_problem(event) is None:
        return on
    return event_date(event["hlc"]).isoformat()


def new_doc(event: Event) -> Application:
    """The projection of a `submitted` event (its keys: common/domain/record.py)."""
    p = event["payload"]
    origin = event["origin"]
    return {
        "id": event["app_id"], "tracking_code": p["tracking_code"], "item": p["item"],
        "applicant": p["applicant"], "form": p.get("form", {}), "materials": p.get("materials", []),
        "proxy_by": p.get("proxy_by", ""), "origin": origin, "custody": origin, "state": "submitted",
        "submitted_hlc": event["hlc"], "submitted_on": event_date(event["hlc"]).isoformat(),
        "accepted_on": None, "limit_days": p["item"].get("promised_days", 0), "pauses": [],
        "flow_pos": 0, "branches": {}, "step_since": None, "resume_state": None, "escalation": None,
        "decision": None,
        "warning": None, "rating": None, "withdrawal_requested": False, "supplement": None,
        "comments": 0, "consults": 0, "callbacks": 0, "anomalies": [], "last_hlc": event["hlc"],
    }


def _flow(doc: Doc) -> list[dict[str, Any]]:
    return doc["item"].get("flow", [])


def flow_done(doc: Doc) -> bool:
    """True when every step of the flow has passed."""
    return doc["flow_pos"] >= len(_flow(doc))


def current_steps(doc: Doc) -> list[dict[str, Any]]:
    """The step(s) awaiting a decision now: one step, or the pending branches of a parallel group."""
    flow = _flow(doc)
    if doc["flow_pos"] >= len(flow):
        return []
    element = flow[doc["flow_pos"]]
    if "parallel" in element:
        return [b for b in element["parallel"]["branches"] if doc["branches"].get(b["id"]) == "pending"]
    return [element]


def is_voice(doc: Doc) -> bool:
    """True for a complaint, suggestion or consultation (诉求件): answered rather than approved."""
    return doc["item"].get("case_type") == "voice"


def step_department(doc: Doc, step: dict[str, Any]) -> str:
    """The department whose staff act on STEP of DOC: the step's own, the one 送阅 assigned, else the item's."""
    dept = step.get("department") or doc["item"].get("department", "")
    if dept == "@assigned":
        return doc.get("assigned") or doc["item"].get("department", "")
    return dept


def _step_of(doc: Doc, step_id: str | None) -> dict[str, Any]:
    return next((s for s in current_steps(doc) if s["id"] == step_id), {})


def step_deadlines(doc: Doc, cal: WorkCalendar) -> list[dict[str, Any]]:
    """[{id, name, days, due}] of the step(s) awaiting a decision that have their own limit (`days`).

    A step's clock starts when the flow reaches it (or when it resumes after a supplement);
    CAL is the working-day calendar.
    """
    if doc["state"] not in IN_FLOW or not doc.get("step_since"):
        return []
    since = date.fromisoformat(doc["step_since"])
    return [{"id": s["id"], "name": s.get("name", s["id"]), "days": s["days"],
             "due": cal.add_working_days(since, s["days"])}
            for s in current_steps(doc) if s.get("days")]


def _enter_position(doc: Doc, day: str) -> None:
    # DAY starts the clock of the step (or parallel group) now awaiting a decision: per-step limits.
    flow = _flow(doc)
    doc["step_since"] = day
    doc["branches"] = {}
    if doc["flow_pos"] < len(flow) and "parallel" in flow[doc["flow_pos"]]:
        doc["branches"] = {b["id"]: "pending" for b in flow[doc["flow_pos"]]["parallel"]["branches"]}


def check_custody(doc: Doc, event: Event) -> None:
    """Raise CustodyError unless EVENT's origin may append it to DOC."""
    kind, origin = event["type"], event["origin"]
    if kind in COMMUTATIVE:
        return
    if tier_of(origin) == "village":
        raise CustodyError(f"村级节点不能作出 {kind} 决定 / a village node cannot decide ({kind})",
                           fix="withdrawals from a village are requested with withdrawal_requested")
    taking = kind == "received" or (kind == "forwarded" and doc["state"] == "submitted")
    if taking:
        # Taking custody from a child: only its parent may (a window walk-in receives its own).
        walk_in = kind == "received" and origin == doc["custody"] and doc["state"] == "submitted"
        if origin != parent_of(doc["custody"]) and not walk_in:
            raise CustodyError(f"{origin} 不是 {doc['custody']} 的上级，不能接收此件 / only the parent may receive",
                               fix="the application moves up one tier at a time")
        return
    if origin != doc["custody"]:
        raise CustodyError(f"此件由 {doc['custody']} 负责，{origin} 不能作出 {kind} 决定 / "
                           f"{origin} does not hold custody", fix=f"ask node {doc['custody']} to act")


def _check_payload(doc: Doc, event: Event) -> None:
    kind, p = event["type"], event["payload"]
    if kind in REASON_REQUIRED and not str(p.get("reason", "")).strip():
        raise ValidationError(f"{kind} 需要填写理由 / a reason is required", fix="state the reason in plain words")
    if kind == "forwarded" and (tier_of(event["origin"]) != "township" or doc["item"]["decide_tier"] != "county"):
        raise TransitionError("只有乡镇可以把县级事项转报县里 / only a township forwards county items")
    if kind == "escalated" and tier_of(doc["custody"]) != "township":
        raise TransitionError("只有乡镇可以上报 / only a township escalates")
    if kind in ("step_passed", "step_returned"):
        if p.get("step") not in {s["id"] for s in current_steps(doc)}:
            raise TransitionError(f"步骤 {p.get('step')!r} 当前不在办理中 / that step is not awaiting a decision",
                                  fix=f"current: {', '.join(s['id'] for s in current_steps(doc)) or 'none'}")
    if kind == "step_passed":
        step = _step_of(doc, p.get("step"))
        if step.get("assigns") and not str(p.get("assign") or "").strip():
            raise ValidationError("送阅须指定承办部门 / say which department handles it", fields={"department": "请选择部门"})
        if step.get("answers") and not str(p.get("answer") or "").strip():
            raise ValidationError("请写出答复内容 / write the answer to the person", fields={"answer": "答复内容"})
    if kind == "approved" and not flow_done(doc):
        raise TransitionError("审批流程尚未走完，不能办结 / the flow has steps left",
                              fix=f"pending: {', '.join(s['id'] for s in current_steps(doc))}")
    if kind == "escalation_answered" and p.get("resolution") not in RESOLUTIONS:
        raise ValidationError("resolution must be returned (back to the township), taken (the county reviewer "
                              "decides) or routed (a county department decides)")
    if kind == "escalation_answered" and p["resolution"] == "routed" and not str(p.get("department") or "").strip():
        raise ValidationError("转交部门办理须指明部门 / routing needs the department", fields={"department": "请选择部门"})
    if kind == "accepted" and doc["item"]["decide_tier"] != tier_of(event["origin"]) \
            and not p.get("on_behalf_of"):
        raise TransitionError("此事项不由本级决定；一窗受理时请注明代哪个部门受理 / not this tier's item",
                              fix="forward it, or accept with on_behalf_of naming the department")
    if kind == "supplement_requested" and not p.get("missing"):
        raise ValidationError("补正通知须列明所缺材料 / list exactly what is missing")


def _received(doc: Doc, event: Event, day: str, prev: str) -> None:
    """The parent takes custody; an escalation it receives goes to the county's review."""
    doc["custody"] = event["origin"]
    doc["state"] = "escalation_review" if prev == "escalated" else "received"


def _forwarded(doc: Doc, event: Event, day: str, prev: str) -> None:
    # The township hands custody straight to the county: it can decide nothing more, and the
    # county cannot act before it holds this event, so no step is ever decided twice.
    doc["custody"] = parent_of(event["origin"])
    doc["forwarded_on"], doc["forwarded_by"] = day, event["origin"]
    doc["state"] = "accepted" if doc["accepted_on"] else "forwarded"  # walk-ins accepted on behalf


def _accepted(doc: Doc, event: Event, day: str, prev: str) -> None:
    """The overall clock and the first step's start from acceptance."""
    doc["accepted_on"] = day
    doc["flow_pos"] = 0
    _enter_position(doc, day)


def _supplement_requested(doc: Doc, event: Event, day: str, prev: str) -> None:
    """A 补正 pauses the clock (once accepted); a returned review resumes from its step, as accepted."""
    p = event["payload"]
    doc["resume_state"] = "accepted" if prev == "returned" else prev
    doc["supplement"] = {"missing": p.get("missing"), "reason": p.get("reason"), "requested_on": day,
                         "provided": False}
    if doc["accepted_on"]:
        doc["pauses"].append([day, None])


def _escalated(doc: Doc, event: Event, day: str, prev: str) -> None:
    """Kept: where it came from and the state it returns to once the county answers."""
    doc["escalation"] = {"from": doc["custody"], "reason": event["payload"].get("reason"), "prior_state": prev,
                         "answer": None, "on": day}


def _escalation_answered(doc: Doc, event: Event, day: str, prev: str) -> None:
    """Back to the state before the escalation; custody back to the township when returned."""
    p = event["payload"]
    esc = doc["escalation"] or {"from": doc["custody"], "prior_state": "received"}
    esc.update(answer=p.get("answer", ""), resolution=p["resolution"], answered_on=day,
               department=p.get("department", "") if p["resolution"] == "routed" else "")
    doc["escalation"] = esc
    doc["state"] = esc["prior_state"]
    if p["resolution"] == "returned":
        doc["custody"] = esc["from"]


def _step_passed(doc: Doc, event: Event, day: str, prev: str) -> None:
    """送阅 names the department, 承办 writes the answer; the flow moves on."""
    p = event["payload"]
    if p.get("assign"):
        doc["assigned"] = p["assign"]
    if p.get("answer"):
        doc["answer"] = {"text": p["answer"], "by": event["actor"], "on": day, "department": step_department(
            doc, _step_of(doc, p["step"]) or {})}
    _pass_step(doc, p["step"], day)


def _step_returned(doc: Doc, event: Event, day: str, prev: str) -> None:
    """The returning branch is marked, the other pending ones of its group cancelled."""
    p = event["payload"]
    doc["branches"] = {b: ("returned" if b == p["step"] else ("cancelled" if s == "pending" else s))
                       for b, s in doc["branches"].items()}
    doc["returned"] = {"step": p["step"], "reason": p.get("reason"), "on": day}


def _decided(doc: Doc, event: Event, day: str, prev: str) -> None:
    """An outcome: approved, denied or not accepted, by whom and where."""
    kind, p = event["type"], event["payload"]
    doc["decision"] = {"outcome": kind, "reason": p.get("reason", ""), "note": p.get("note", ""), "on": day,
                       "by": event["actor"], "at": event["origin"]}
    if kind == "approved" and p.get("answer"):  # a voice case's answer as finally sent (督察 may edit it)
        doc["answer"] = dict(doc.get("answer") or {}, text=p["answer"], on=day)


def _delivered(doc: Doc, event: Event, day: str, prev: str) -> None:
    doc["delivered_on"] = day


# What each decision does besides moving to its state in DECISIONS; `withdrawn` does nothing else.
# (doc, event, its legal day, the state before it); those whose DECISIONS state is None set it themselves.
_EFFECTS: dict[str, Callable[[Doc, Event, str, str], None]] = {
    "received": _received, "forwarded": _forwarded, "accepted": _accepted,
    "supplement_requested": _supplement_requested, "escalated": _escalated,
    "escalation_answered": _escalation_answered, "step_passed": _step_passed, "step_returned": _step_returned,
    **dict.fromkeys(OUTCOMES, _decided), "delivered": _delivered,
}


def _effect(doc: Doc, event: Event) -> None:
    # Only for decisions (apply calls it for a kind in DECISIONS).
    kind, day, prev = event["type"], event_day(event), doc["state"]
    target = DECISIONS[kind][1]
    effect = _EFFECTS.get(kind)
    if effect is not None:
        effect(doc, event, day, prev)
    if target is not None:
        doc["state"] = target


def _pass_step(doc: Doc, step_id: str, day: str) -> None:
    if flow_done(doc):
        return
    element = _flow(doc)[doc["flow_pos"]]
    if "parallel" in element:
        doc["branches"][step_id] = "passed"
        rule, states = element["parallel"]["rule"], doc["branches"].values()
        if rule == "any" or all(s == "passed" for s in states):
            doc["flow_pos"] += 1
            _enter_position(doc, day)
    else:
        doc["flow_pos"] += 1
        _enter_position(doc, day)


def _commutative(doc: Doc, event: Event) -> None:
    kind, p, day = event["type"], event["payload"], event_date(event["hlc"]).isoformat()
    if kind == "supplement_provided" and doc["state"] == "supplement":
        doc["materials"] = doc["materials"] + list(p.get("materials", []))
        doc["supplement"] = dict(doc["supplement"] or {}, provided=True, provided_on=day)
        if doc["pauses"] and doc["pauses"][-1][1] is None:
            doc["pauses"][-1][1] = day
        doc["state"] = doc["resume_state"] or "received"
        if doc.get("step_since"):
            doc["step_since"] = day  # the step's own clock restarts after the pause, as the overall one resumes
        if doc["state"] == "accepted":
            _enter_position(doc, day)  # a returned review restarts at the step (or group) that returned
        doc["resume_state"] = None
    elif kind == "supplement_provided":
        doc["materials"] = doc["materials"] + list(p.get("materials", []))
    elif kind == "rated":
        ratings.rated(doc, p, day)
    elif kind == "rectification_done":
        ratings.rectification_done(doc, p, day)
    elif kind == "withdrawal_requested":
        doc["withdrawal_requested"] = True
    elif kind == "warning_raised":
        if p.get("about") == "rectification" and doc.get("rectification"):
            doc["rectification"] = dict(doc["rectification"], warning=p.get("level"))
        else:
            doc["warning"] = p.get("level")
    elif kind == "commented":
        doc["comments"] += 1
    elif kind == "consult_held":
        doc["consults"] += 1
    elif kind == "callback_booked":
        doc["callbacks"] += 1
    elif kind == "appointment_booked":  # the township's book is the authority; the latest booking stands
        doc["appointment"] = {k: p.get(k) for k in ("date", "time", "end", "place")}
    elif kind == "urged":  # 督办/催办: counted, the latest kept; the state is the office's to change
        urging.urged(doc, event, day)
    elif kind == "sms_opted_out":
        doc["sms_opted_out"] = True  # the county adds the applicant's number to its opt-out list


def apply(doc: Doc | None, event: Event, strict: bool = True, custody: bool = True) -> Doc:
    """DOC after EVENT (a new dict). strict: refuse forbidden transitions with TransitionError.

    With strict=False a decision that does not fit the state is applied anyway and noted, because
    the custodian already validated it. custody=False (replaying stored history, or an event from
    the trusted parent) notes a custody violation and skips the event instead of raising.
    """
    kind = event["type"]
    if kind not in EVENT_TYPES:
        raise ValidationError(f"未知事件类型 {kind!r} / unknown event type")
    if kind == "submitted":
        if doc is not None:
            raise TransitionError("此件已经提交过 / already submitted")
        return cast(Doc, new_doc(event))  # the same plain dict: Application only names its keys
    if doc is None:
        raise TransitionError(f"{kind}: 办件不存在 / no such application yet")
    doc = _copy(doc)
    try:
        check_custody(doc, event)
    except CustodyError as exc:
        if custody:
            raise
        doc["anomalies"].append({"event": event["id"], "problem": exc.message})
        doc["last_hlc"] = max(doc["last_hlc"], event["hlc"])
        return doc
    if kind in DECISIONS:
        allowed = DECISIONS[kind][0]
        try:
            if doc["state"] not in allowed:
                raise TransitionError(
                    f"当前状态“{label(doc['state'])}”下不能“{label(kind)}” / {kind} is not allowed in state "
                    f"{doc['state']}", fix=f"{kind} follows: {', '.join(sorted(allowed))}")
            _check_payload(doc, event)
        except (TransitionError, ValidationError) as exc:
            if strict:
                raise
            doc["anomalies"].append({"event": event["id"], "problem": exc.message})
        _effect(doc, event)
    else:
        if strict and kind == "rated":
            ratings.check(doc, event["payload"])
        elif strict and kind == "rectification_done":
            ratings.check_done(doc, event["payload"])
        elif strict and kind == "urged":
            urging.check_shape(event)
        _commutative(doc, event)
    doc["last_hlc"] = max(doc["last_hlc"], event["hlc"])
    return doc


def _copy(doc: Doc) -> Doc:
    # What _effect/_commutative mutate in place is copied; everything else is replaced, never
    # mutated, so sharing it is safe (and ten times cheaper than deepcopy on the hot sync path).
    out = dict(doc)
    out["pauses"] = [list(p) for p in doc["pauses"]]
    out["branches"] = dict(doc["branches"])
    out["anomalies"] = list(doc["anomalies"])
    if doc.get("escalation") is not None:
        out["escalation"] = dict(doc["escalation"])
    return out


def project(events: Iterable[Event], check_id: str | None = None) -> Doc | None:
    """Fold EVENTS (any order) into the current doc, replaying in HLC order, non-strict.

    Custody is enforced only for the event CHECK_ID (the one being ingested): the others are
    already stored, and a violation among them is noted rather than allowed to block replay.
    """
    doc: Doc | None = None
    for event in sorted(events, key=lambda e: (e["hlc"], e["id"])):
        if doc is None and event["type"] != "submitted":
            continue
        doc = apply(doc, event, strict=False, custody=event["id"] == check_id)
    return doc


LABELS = {
    "submitted": "已提交", "received": "已接收", "accepted": "已受理", "not_accepted": "不予受理",
    "supplement": "待补正", "supplement_requested": "要求补正", "supplement_provided": "已补正",
    "forwarded": "已转报县级（县级负责）", "escalated": "已上报", "escalation_review": "上报审核中",
    "escalation_answered": "上报已答复", "in_review": "审查中", "step_passed": "环节通过",
    "step_returned": "环节退回", "returned": "已退回", "approved": "准予许可/办结", "denied": "不予许可",
    "delivered": "已送达", "withdrawn": "已撤回", "withdrawal_requested": "申请撤回", "commented": "备注",
    "rated": "评价", "rectification_done": "差评整改完成", "consult_held": "视频咨询", "warning_raised": "监察预警", "callback_booked": "预约回访",
    "appointment_booked": "已预约到乡镇办理",
    "sms_opted_out": "退订短信", "urged": "电子监察督办",
}


# How a complaint, suggestion or consultation (诉求件) reads where it differs from an application.
VOICE_LABELS = {"accepted": "已登记", "in_review": "办理中", "approved": "已答复", "step_passed": "环节办结",
                "not_accepted": "不予受理（不属于受理范围）"}


def label(name: str, voice: bool = False) -> str:
    """Chinese label of a state or event type (VOICE: as a complaint or suggestion reads)."""
    return (voice and VOICE_LABELS.get(name)) or LABELS.get(name, name)
