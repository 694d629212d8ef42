import itertools
import random

import pytest

from common.domain import application as model
from common.errors import CustodyError, TransitionError, ValidationError

C, T, V = "370101", "370101001", "370101001001"
OTHER_T = "370101002"

TOWNSHIP_ITEM = {"code": "MZ-001", "name": "高龄津贴", "department": "MZ", "accept_tier": "village",
                 "decide_tier": "township", "case_type": "promised", "fee": 0, "legal_days": 20, "promised_days": 10,
                 "materials": [], "flow": [{"id": "review", "role": "township_staff"},
                                           {"id": "approve", "role": "township_head"}]}
COUNTY_ITEM = dict(TOWNSHIP_ITEM, code="MZ-003", decide_tier="county",
                   flow=[{"id": "review", "role": "county_approver"}])
JOINT_ITEM = dict(COUNTY_ITEM, code="ZJ-003", case_type="joint", flow=[
    {"id": "intake", "role": "county_approver"},
    {"parallel": {"id": "joint", "rule": "all", "branches": [
        {"id": b, "role": "county_approver", "department": d} for b, d in
        [("planning", "ZR"), ("construction", "ZJ"), ("environment", "HB"), ("soil", "SL")]]}},
    {"id": "issue", "role": "county_approver"}])


class Case:
    """Builds an application's events with a strictly increasing HLC, applying each strictly."""

    def __init__(self, item=TOWNSHIP_ITEM, origin=V, start_ms=1_767_225_600_000):  # 2026-01-01 UTC
        self.ms, self.events, self.doc = start_ms, [], None
        self.add("submitted", origin, tracking_code="ABCDE-FGHJK", item=item,
                 applicant={"name": "张三", "id_number": "11010519440119002X", "phone": "13800000000"})

    def add(self, kind, origin, day_step=0, **payload):
        self.ms += 1 + day_step * 86_400_000
        event = {"id": f"e{len(self.events):04d}", "app_id": "app1", "origin": origin,
                 "hlc": f"{self.ms:013d}-0000-{origin}", "actor": "tester", "type": kind, "payload": payload}
        self.doc = model.apply(self.doc, event, strict=True)
        self.events.append(event)
        return self.doc


def to_received(item=TOWNSHIP_ITEM):
    case = Case(item)
    case.add("received", T)
    return case


def test_township_item_full_path():
    case = to_received()
    assert case.doc["custody"] == T and case.doc["state"] == "received"
    case.add("accepted", T)
    case.add("step_passed", T, step="review")
    assert case.doc["state"] == "in_review"
    with pytest.raises(TransitionError, match="flow has steps left"):
        case.add("approved", T)
    case.add("step_passed", T, step="approve")
    case.add("approved", T)
    case.add("delivered", T)
    assert case.doc["state"] == "delivered" and case.doc["decision"]["outcome"] == "approved"


def test_county_item_forwarded_then_decided_at_county():
    case = to_received(COUNTY_ITEM)
    case.add("forwarded", T)
    assert case.doc["custody"] == C and case.doc["state"] == "forwarded"
    with pytest.raises(CustodyError):
        case.add("accepted", T)  # forwarded: nothing more for the township to decide
    with pytest.raises((TransitionError, CustodyError)):
        case.add("received", C)  # the county holds it already: no second custody step
    case.add("accepted", C)
    case.add("step_passed", C, step="review")
    case.add("denied", C, reason="收入超过标准")
    case.add("delivered", C)
    assert case.doc["decision"]["outcome"] == "denied"


def test_supplement_before_acceptance_does_not_pause():
    case = to_received()
    case.add("supplement_requested", T, reason="户口簿不清晰", missing=["居民户口簿"])
    assert case.doc["state"] == "supplement" and case.doc["pauses"] == []
    case.add("supplement_provided", V, materials=[{"name": "居民户口簿"}])
    assert case.doc["state"] == "received"
    case.add("not_accepted", T, reason="不符合条件")
    assert case.doc["state"] == "not_accepted"


def test_supplement_after_acceptance_pauses_the_clock():
    case = to_received()
    case.add("accepted", T)
    case.add("supplement_requested", T, day_step=2, reason="缺材料", missing=["银行卡"])
    assert case.doc["pauses"][0][1] is None
    case.add("supplement_provided", V, day_step=3)
    assert case.doc["state"] == "accepted" and case.doc["pauses"][0][1] is not None
    assert case.doc["supplement"]["provided"]


@pytest.mark.parametrize("resolution,custody,state", [("returned", T, "accepted"), ("taken", C, "accepted")])
def test_escalation_round_trip(resolution, custody, state):
    case = to_received()
    case.add("accepted", T)
    case.add("escalated", T, reason="政策适用不明确")
    assert case.doc["state"] == "escalated" and case.doc["custody"] == T
    with pytest.raises(TransitionError):
        case.add("approved", T)
    case.add("received", C)
    assert case.doc["state"] == "escalation_review" and case.doc["custody"] == C
    case.add("escalation_answered", C, resolution=resolution, answer="按高龄津贴政策第三条办理")
    assert (case.doc["custody"], case.doc["state"]) == (custody, state)
    assert case.doc["escalation"]["answer"].startswith("按")


def test_joint_approval_all_branches_and_return():
    case = Case(JOINT_ITEM)
    case.add("forwarded", T)  # a township passes a county item straight on
    case.add("accepted", C)
    case.add("step_passed", C, step="intake")
    assert {s["id"] for s in model.current_steps(case.doc)} == {"planning", "construction", "environment", "soil"}
    case.add("step_passed", C, step="planning")
    case.add("step_returned", C, step="environment", reason="环评登记表缺项")
    assert case.doc["state"] == "returned"
    assert case.doc["branches"] == {"planning": "passed", "construction": "cancelled", "environment": "returned",
                                    "soil": "cancelled"}
    case.add("supplement_requested", C, reason="补环评", missing=["环境影响登记表"])
    case.add("supplement_provided", V)
    assert case.doc["state"] == "accepted"
    assert set(case.doc["branches"].values()) == {"pending"}  # the group restarts whole
    for b in ("planning", "construction", "environment"):
        case.add("step_passed", C, step=b)
    with pytest.raises(TransitionError):
        case.add("approved", C)
    case.add("step_passed", C, step="soil")
    case.add("step_passed", C, step="issue")
    case.add("approved", C)
    assert case.doc["state"] == "approved"


def test_walk_in_at_township_accepted_on_behalf_of_county():
    case = Case(COUNTY_ITEM, origin=T)
    case.add("received", T)
    with pytest.raises(TransitionError, match="not this tier"):
        case.add("accepted", T)
    case.add("accepted", T, on_behalf_of="MZ")
    case.add("forwarded", T)
    assert case.doc["state"] == "accepted" and case.doc["custody"] == C


@pytest.mark.parametrize("steps", [[], ["accepted"], ["accepted", "step_passed"]])
def test_withdrawn_by_custodian_from_open_states(steps):
    case = to_received()
    for s in steps:
        case.add(s, T, **({"step": "review"} if s == "step_passed" else {}))
    case.add("withdrawn", T, reason="申请人撤回")
    assert case.doc["state"] == "withdrawn"


def _reachable_cases():
    """A case in each reachable state, built by the allowed paths above."""
    out = {}
    c = Case(); out["submitted"] = c
    c = to_received(); out["received"] = c
    c = to_received(); c.add("accepted", T); out["accepted"] = c
    c = to_received(); c.add("accepted", T); c.add("step_passed", T, step="review"); out["in_review"] = c
    c = to_received(); c.add("accepted", T); c.add("step_returned", T, step="review", reason="x"); out["returned"] = c
    c = to_received(); c.add("supplement_requested", T, reason="x", missing=["a"]); out["supplement"] = c
    c = to_received(); c.add("not_accepted", T, reason="x"); out["not_accepted"] = c
    c = to_received(); c.add("accepted", T); c.add("step_passed", T, step="review")
    c.add("step_passed", T, step="approve"); c.add("approved", T); out["approved"] = c
    c = to_received(); c.add("accepted", T); c.add("denied", T, reason="x"); out["denied"] = c
    c = to_received(); c.add("accepted", T); c.add("denied", T, reason="x"); c.add("delivered", T); out["delivered"] = c
    c = to_received(); c.add("withdrawn", T, reason="x"); out["withdrawn"] = c
    c = to_received(); c.add("escalated", T, reason="x"); out["escalated"] = c
    return out


FULL_PAYLOAD = {"reason": "r", "missing": ["m"], "step": "review", "resolution": "returned"}


def test_every_forbidden_decision_is_refused_with_a_reason():
    cases = _reachable_cases()
    assert set(cases) >= {"submitted", "received", "accepted", "in_review", "returned", "supplement", "approved",
                          "denied", "delivered", "withdrawn", "not_accepted", "escalated"}
    refused = 0
    for (state, case), kind in itertools.product(cases.items(), model.DECISIONS):
        allowed, _ = model.DECISIONS[kind]
        if state in allowed or kind == "received":
            continue
        origin = case.doc["custody"]
        event = {"id": "x", "app_id": "app1", "origin": origin, "hlc": "9999999999998-0000-" + origin,
                 "actor": "t", "type": kind, "payload": FULL_PAYLOAD}
        # A village custodian decides nothing, so custody refuses before the state machine does.
        expected = CustodyError if origin == V else TransitionError
        with pytest.raises(expected) as exc:
            model.apply(case.doc, event, strict=True)
        assert exc.value.fix and exc.value.message
        refused += 1
    assert refused > 60


def test_reason_required():
    case = to_received()
    with pytest.raises(ValidationError, match="reason"):
        case.add("not_accepted", T)
    with pytest.raises(ValidationError, match="missing"):
        case.add("supplement_requested", T, reason="x")


def test_custody_rules():
    case = Case()
    with pytest.raises(CustodyError):
        case.add("received", OTHER_T)  # not the village's parent
    with pytest.raises(CustodyError, match="village"):
        case.add("withdrawn", V, reason="x")  # villages request, custodians decide
    case.add("withdrawal_requested", V)
    case.add("received", T)
    with pytest.raises(CustodyError):
        case.add("accepted", C)  # the county does not hold a township item
    with pytest.raises(CustodyError):
        case.add("accepted", OTHER_T)
    case.add("commented", C, text="县里备注")  # commutative from any tier
    case.add("accepted", T)
    assert case.doc["withdrawal_requested"] and case.doc["comments"] == 1


def test_custody_after_forwarding_moves_to_county():
    case = to_received(COUNTY_ITEM)
    case.add("forwarded", T)
    with pytest.raises(CustodyError):
        case.add("withdrawn", T, reason="x")
    case.add("withdrawn", C, reason="申请人撤回")
    assert case.doc["state"] == "withdrawn"


def test_township_passes_a_county_item_straight_on():
    case = Case(COUNTY_ITEM)
    with pytest.raises(CustodyError):
        case.add("forwarded", OTHER_T)  # not the village's township
    with pytest.raises(TransitionError, match="county items"):
        Case(TOWNSHIP_ITEM).add("forwarded", T)  # township items stay at the township
    case.add("forwarded", T)
    assert (case.doc["custody"], case.doc["state"], case.doc["forwarded_by"]) == (C, "forwarded", T)
    case.add("supplement_requested", C, reason="缺收入证明", missing=["收入证明"])
    case.add("supplement_provided", V)
    assert case.doc["state"] == "forwarded" and case.doc["pauses"] == []  # clock not started yet


def test_replay_in_any_order_gives_the_same_projection():
    case = Case(JOINT_ITEM)
    for kind, origin, extra in [("received", T, {}), ("forwarded", T, {}), ("commented", V, {"text": "hi"}),
                                ("accepted", C, {}), ("step_passed", C, {"step": "intake"}),
                                ("step_passed", C, {"step": "soil"}), ("callback_booked", V, {"note": "请回电"})]:
        case.add(kind, origin, **extra)
    for seed in range(20):
        shuffled = case.events[:]
        random.Random(seed).shuffle(shuffled)
        assert model.project(shuffled) == case.doc
