"""What a staff member may do to an application now: the catalog's flow, the state, custody and roles.

Pure: `available(doc, me, roles)` lists the actions a console should offer (and nothing else),
and `events_for(doc, me, action, form)` turns one chosen action into the event(s) to append,
checked again, so a forged form cannot do what the buttons would not have offered. Township and
county consoles share it.

The flow's order is kept: a decision (准予 or 不予许可) is offered only once the flow has reached
its last step, and the holder of that step who may decide takes the step and the decision in one
action (one post: step_passed then approved, appended together), instead of two.
"""
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from typing import Any

from ..errors import Forbidden, ValidationError
from ..roles import CASEWORKERS, HEADS, SEES_ALL
from .application import REASON_REQUIRED, current_steps, flow_done, is_voice, step_department
from .nodes import tier_of
from .record import Doc
from .states import AWAITING_INTAKE, IN_FLOW, TO_DELIVER, WITHDRAWABLE

# A role as callers give it: a name (for every department), or a (role, department) pair.
Grant = str | tuple[str, str | None]
Offer = dict[str, Any]  # an action `available` offers: {action, step?, name?, resolution?, department?, ...}


def held_roles(roles: Iterable[Grant]) -> dict[str, set[str]]:
    """{role: {departments}} from role names or (role, department) pairs; '' stands for every department."""
    out: dict[str, set[str]] = {}
    for r in roles:
        role, dept = (r, "") if isinstance(r, str) else (r[0], r[1] or "")
        out.setdefault(role, set()).add(dept)
    return out


def _holds(held: dict[str, set[str]], role: str | None, dept: str) -> bool:
    return role in held and ("" in held[role] or not dept or dept in held[role])


def holds(roles: Iterable[Grant], role: str, dept: str) -> bool:
    """True when ROLES (role names or (role, department) pairs) hold ROLE for DEPT (a role without a
    department holds every one; a step without a department is anyone's of that role)."""
    return _holds(held_roles(roles), role, dept)


def _deciders(doc: Doc, tier: str) -> set[str]:
    """Roles that may make the final decision: the last step's role, and the tier's head."""
    flow = doc["item"].get("flow", [])
    roles: set[Any] = {HEADS.get(tier)}  # Any: the steps' roles are as the snapshot (JSON) holds them
    if flow:
        last = flow[-1]
        for step in (last["parallel"]["branches"] if "parallel" in last else [last]):
            roles.add(step.get("role"))
    return roles - {None}


def taken_by_county(doc: Doc, tier: str | None) -> bool:
    """True when DOC is a township's case the county took over on escalation (so the county decides it)."""
    return tier == "county" and doc["item"]["decide_tier"] != "county" and \
        (doc.get("escalation") or {}).get("resolution") in ("taken", "routed")


def routed_to(doc: Doc) -> str:
    """The county department a reviewer routed DOC's escalation to ('' when not routed)."""
    esc = doc.get("escalation") or {}
    return esc.get("department", "") if esc.get("resolution") == "routed" else ""


def _flow_roles(doc: Doc) -> set[str]:
    roles = set()
    for element in doc["item"].get("flow", []):
        for step in (element["parallel"]["branches"] if "parallel" in element else [element]):
            roles.add(step.get("role"))
    return roles - {None}


def _staff_roles(tier: str | None) -> set[str]:
    return set(CASEWORKERS[tier]) if tier in CASEWORKERS else set()


def _finishing(doc: Doc) -> set[str]:
    """Ids of the current steps whose passing would complete the flow (the last step, or last pending branch)."""
    flow, steps = doc["item"].get("flow", []), current_steps(doc)
    return {steps[0]["id"]} if len(steps) == 1 and doc["flow_pos"] == len(flow) - 1 else set()


def _at_last_step(doc: Doc) -> bool:
    """True when the flow has reached its last step (or passed it): a decision may be made now."""
    return doc["flow_pos"] >= len(doc["item"].get("flow", [])) - 1


# The form fields each action needs (beyond the always-optional note), so that a console shows a
# field only when the chosen action uses it.
def fields_of(offer: Offer, voice: bool = False) -> list[str]:
    """The form fields ('reason', 'missing', 'department', 'answer') the offered action OFFER takes."""
    action, out = offer["action"], set()
    if action in REASON_REQUIRED:
        out.add("reason")
    if action == "supplement_requested":
        out.add("missing")
    if offer.get("assigns") or offer.get("resolution") == "routed":
        out.add("department")
    if offer.get("answers") or action == "escalation_answered" or (voice and action == "approved"):
        out.add("answer")
    return sorted(out)


@dataclass(frozen=True)
class _Standing:
    """Where one user stands on one case at one node: what `available`'s rules ask, worked out once."""

    doc: Doc
    state: str
    tier: str
    held: dict[str, set[str]]  # as held_roles gives it (widened for a case the county took)
    dept: str                  # the item's department
    voice: bool
    own_item: bool             # this tier decides the item (or the county took it)
    intake: bool               # may take the case in, ask for documents, escalate, deliver
    decides: bool              # may make the final decision


def _standing(doc: Doc, tier: str, held: dict[str, set[str]]) -> _Standing:
    state, dept = doc["state"], doc["item"].get("department", "")
    voice = is_voice(doc)
    taken = taken_by_county(doc, tier)
    deciders = _deciders(doc, tier) | (_deciders(doc, "township") if taken else set())
    routed = routed_to(doc) if taken else ""
    # A township's case the county took is decided by the reviewer, or by the approvers of the
    # department it was routed to, whatever roles its township flow names.
    taker = _holds(held, "county_approver", routed) if routed else "county_reviewer" in held
    if taken and taker:
        held = dict(held, **{r: {""} for r in _flow_roles(doc) | deciders})
    own_item = doc["item"]["decide_tier"] == tier or taken
    # Who takes cases in at this tier: any township staff; at the county, the item's department;
    # a case taken on escalation is the reviewer's alone.
    intake = any(_holds(held, r, dept) for r in _staff_roles(tier) - {"county_reviewer"})
    decides = any(_holds(held, r, dept) for r in deciders)
    if taken:
        intake = decides = taker
    return _Standing(doc, state, tier, held, dept, voice, own_item, intake, decides)


def _offer(action: str, **extra: Any) -> Offer:
    return dict(extra, action=action)


def _intake_offers(s: _Standing) -> list[Offer]:
    """Awaiting intake: accept (or forward to the county), refuse, ask for documents, escalate."""
    if not s.intake:
        return []
    out = []
    if s.own_item:
        out.append(_offer("accepted"))
    elif s.tier == "township":
        out.append(_offer("forwarded"))
    out += [_offer("not_accepted"), _offer("supplement_requested")]
    if s.tier == "township":
        out.append(_offer("escalated"))
    return out


def _step_offers(s: _Standing, step: dict[str, Any], finishing: set[str]) -> list[Offer]:
    """What the holder of STEP's role may do with it; FINISHING: the steps whose passing ends the flow."""
    if not _holds(s.held, step.get("role"), step_department(s.doc, step)):
        return []
    extra = {k: True for k in ("assigns", "answers") if step.get(k)}
    name = step.get("name", step["id"])
    out = []
    if step["id"] in finishing and s.decides:  # the last step and the decision, in one action
        out.append(_offer("approved", step=step["id"], name=name, finishes=True, **extra))
        if not s.voice:
            out.append(_offer("denied", step=step["id"], name=name))
    else:
        out.append(_offer("step_passed", step=step["id"], name=name, **extra))
    if not s.voice:  # a complaint is not sent back for documents; its steps pass or it is asked about
        out.append(_offer("step_returned", step=step["id"], name=name))
    return out


def _flow_offers(s: _Standing) -> list[Offer]:
    """In the flow: each current step's actions, the decision once the flow allows it, documents, escalation."""
    finishing = _finishing(s.doc)
    out = [offer for step in current_steps(s.doc) for offer in _step_offers(s, step, finishing)]
    denial_offered = any(offer["action"] == "denied" for offer in out)
    if flow_done(s.doc) and s.decides:
        out.append(_offer("approved"))
    if s.decides and not s.voice and not denial_offered and _at_last_step(s.doc):
        out.append(_offer("denied"))
    if s.intake:
        out.append(_offer("supplement_requested"))
        if s.tier == "township":
            out.append(_offer("escalated"))
    return out


def _returned_offers(s: _Standing) -> list[Offer]:
    """A step returned it: documents, a denial (the flow's order holds after a return too), escalation."""
    if not s.intake:
        return []
    out = [_offer("supplement_requested")]
    if s.decides and _at_last_step(s.doc):
        out.append(_offer("denied"))
    if s.tier == "township":
        out.append(_offer("escalated"))
    return out


def _review_offers(s: _Standing) -> list[Offer]:
    """An escalation under review: the county reviewer's three answers."""
    if "county_reviewer" not in s.held:
        return []
    return [_offer("escalation_answered", resolution="returned"), _offer("escalation_answered", resolution="taken"),
            _offer("escalation_answered", resolution="routed", department=s.dept)]


def _delivery_offers(s: _Standing) -> list[Offer]:
    """Decided: the decision is delivered (送达); an answer needs no handing over."""
    return [_offer("delivered")] if s.intake and not s.voice else []


# The actions each state offers (states not named offer none but the two below).
_BY_STATE: dict[str, Callable[[_Standing], list[Offer]]] = {
    **dict.fromkeys(AWAITING_INTAKE, _intake_offers), **dict.fromkeys(IN_FLOW, _flow_offers),
    "returned": _returned_offers, "escalation_review": _review_offers, **dict.fromkeys(TO_DELIVER, _delivery_offers),
}


def available(doc: Doc, me: str, roles: Iterable[Grant]) -> list[Offer]:
    """[{action, step?, resolution?, name?}] that a holder of ROLES at node ME may take on DOC now.

    ROLES are role names or (role, department) pairs: a county approver acts only on steps of
    their department (a step's own `department`, else the item's). Empty when it is not ours
    to decide, or this user is not a decider here (administrators run the node, not cases).
    """
    held, tier = held_roles(roles), tier_of(me)
    if doc["custody"] != me or not set(held) & _staff_roles(tier):
        return []
    assert tier is not None  # a node of no tier has no staff roles: returned above
    s = _standing(doc, tier, held)
    out = []
    if doc.get("withdrawal_requested") and s.state in WITHDRAWABLE and s.intake:
        out.append(_offer("withdrawn"))
    by_state = _BY_STATE.get(s.state)
    if by_state is not None:
        out += by_state(s)
    if (doc.get("rectification") or {}).get("state") == "open" and (s.intake or s.decides):
        out.append(_offer("rectification_done"))  # a bad rating: the office that decided puts it right
    return out


MISSING_ITEM_MAX = 200  # one missing material, as a person names it: longer is cut, not kept whole


def _clean_form(form: dict[str, Any] | None) -> dict[str, str | list[str]]:
    # What a console or an API client posts: every value text, and `missing` text or a list of texts.
    # Anything else (numbers, maps, lists elsewhere) is refused here, before it reaches an event.
    out: dict[str, str | list[str]] = {}
    for k, v in (form or {}).items():
        if k == "missing" and isinstance(v, list) and all(isinstance(m, str) for m in v):
            out[k] = [m[:MISSING_ITEM_MAX] for m in v]
        elif isinstance(v, str):
            out[k] = v.strip()
        else:
            raise ValidationError(f"“{k}”须是文字 / {k} must be text" + (" or a list of texts" if k == "missing" else ""),
                                  fields={str(k): "请填写文字"})
    return out


def events_for(doc: Doc, me: str, roles: Iterable[Grant], action: str, form: dict[str, Any] | None,
               departments: Collection[str] | None = None) -> list[tuple[str, dict[str, Any]]]:
    """[(event type, payload)] for ACTION chosen with FORM ({reason, missing, step, note, answer, resolution, department}).

    One event, or two for a finishing approval (step_passed of the last step, then approved).
    Forbidden when ACTION is not among `available(...)` for these ROLES; ValidationError naming
    what is missing (a reason, the list of materials, a DEPARTMENTS code to route to) otherwise.
    """
    form = _clean_form(form)
    offered = [a for a in available(doc, me, roles) if a["action"] == action
               and a.get("step", form.get("step")) == form.get("step", a.get("step"))
               and a.get("resolution", form.get("resolution")) == form.get("resolution", a.get("resolution"))]
    if not offered:
        raise Forbidden("这一步现在不能由您办理 / this action is not open to you now",
                        fix="reload the application: someone may have acted on it, or your role does not cover it")
    chosen = offered[0]
    payload = {}
    if form.get("note"):
        payload["note"] = form["note"][:500]
    if action in REASON_REQUIRED:
        reason = form.get("reason", "") or ("申请人撤回" if action == "withdrawn" else "")
        if not reason:
            raise ValidationError("请填写理由 / a reason is required", fields={"reason": "请用群众听得懂的话写明理由"})
        payload["reason"] = reason[:500]
    if action == "supplement_requested":
        missing = form.get("missing")
        missing = [m.strip()[:MISSING_ITEM_MAX] for m in (missing if isinstance(missing, list)
                                                          else str(missing or "").splitlines()) if m.strip()]
        if not missing:
            raise ValidationError("请列出缺少的材料，每行一项 / list what is missing, one per line",
                                  fields={"missing": "请列出缺少的材料，每行一项"})
        payload["missing"] = missing[:20]
    if action == "rectification_done" and not payload.get("note"):
        raise ValidationError("请写明整改情况 / say what was done to put it right",
                              fields={"note": "请在“备注”里写明整改情况"})
    if action in ("step_passed", "step_returned") or chosen.get("step"):
        payload["step"] = chosen["step"]
    if chosen.get("assigns"):
        dept = form.get("department", "")
        if not dept or (departments is not None and dept not in departments):
            raise ValidationError("请选择承办部门 / choose the department that handles it",
                                  fields={"department": "请选择承办部门"},
                                  fix=f"one of: {', '.join(sorted(departments or []))}")
        payload["assign"] = dept
    if chosen.get("answers") or (action == "approved" and is_voice(doc) and form.get("answer")):
        if not form.get("answer"):
            raise ValidationError("请写出给群众的答复 / write the answer the person will read",
                                  fields={"answer": "请用群众听得懂的话写出答复"})
        if any(c in form["answer"] for c in "<>"):
            raise ValidationError("答复里不能有 < 或 > / no < or > in the answer", fields={"answer": "请删去 < >"})
        payload["answer"] = form["answer"][:1000]
    if action == "accepted" and taken_by_county(doc, tier_of(me)):
        payload["on_behalf_of"] = routed_to(doc) or doc["item"].get("department", "")  # a township item, decided here
    if action == "escalation_answered":
        payload.update(resolution=chosen["resolution"], answer=form.get("answer", "")[:1000])
        if chosen["resolution"] == "routed":
            dept = form.get("department") or chosen["department"]
            if departments is not None and dept not in departments:
                raise ValidationError(f"没有部门 {dept} / no department {dept}", fields={"department": "请选择部门"},
                                      fix=f"one of: {', '.join(sorted(departments))}")
            payload["department"] = dept
    if chosen.get("finishes"):
        step: dict[str, Any] = {k: payload.pop(k) for k in ("step", "assign") if k in payload}
        if chosen.get("answers") and "answer" in payload:
            step["answer"] = payload["answer"]
        return [("step_passed", step), (action, payload)]
    return [(action, payload)]


def departments_of(doc: Doc) -> set[str]:
    """Every department with a part in DOC: the item's, each flow step's, the one 送阅 assigned, the one routed to."""
    out = {doc["item"].get("department", ""), doc.get("assigned") or "", routed_to(doc)}
    for element in doc["item"].get("flow", []):
        for step in (element["parallel"]["branches"] if "parallel" in element else [element]):
            out.add(step.get("department") or "")
    return out - {"", "@assigned"}


def may_view(doc: Doc, roles: Iterable[Grant]) -> bool:
    """True when a holder of ROLES may open DOC (its applicant, answers and materials).

    A county approver sees the cases of their own department(s) only — the item's, a step's, the
    one a case was assigned or routed to; reviewers, supervisors, administrators and township and
    village staff see every case their node holds, as their work needs.
    """
    held = held_roles(roles)
    if set(held) & SEES_ALL:
        return True
    depts = held.get("county_approver")
    if not depts:
        return False
    return "" in depts or bool(depts & departments_of(doc))
