"""Which actions a console offers, by flow, state, custody and role; and forged choices refused."""
import pytest

from common.domain import application as model
from common.domain import decisions
from common.errors import Forbidden, ValidationError

T, C = "371399101", "371399"
FLOW = [{"id": "review", "name": "窗口审核", "role": "township_staff"},
        {"id": "approve", "name": "领导审批", "role": "township_head"}]


def doc(state="received", custody=T, decide="township", flow=FLOW, **extra):
    d = {"id": "a1", "state": state, "custody": custody, "flow_pos": 0, "branches": {},
         "item": {"decide_tier": decide, "flow": flow}, "withdrawal_requested": False}
    d.update(extra)
    return d


def acts(d, roles, me=T):
    return [(a["action"], a.get("step") or a.get("resolution")) for a in decisions.available(d, me, roles)]


def test_received_township_item():
    assert acts(doc(), ["township_staff"]) == [("accepted", None), ("not_accepted", None),
                                               ("supplement_requested", None), ("escalated", None)]
    assert acts(doc(), ["admin"]) == []            # administrators run the node, not cases
    assert acts(doc(custody=C), ["township_staff"]) == []  # not in our custody


def test_steps_follow_the_flow_and_the_role():
    d = doc(state="accepted")
    assert ("step_passed", "review") in acts(d, ["township_staff"])
    assert ("step_passed", "review") not in acts(d, ["township_head"])
    assert ("approved", None) not in acts(d, ["township_head"])  # steps left
    # The head cannot decide before the window's review is done (the flow's order).
    assert ("denied", None) not in acts(d, ["township_head"]) and ("denied", None) not in acts(d, ["township_staff"])
    done = doc(state="in_review", flow_pos=2)
    assert ("approved", None) in acts(done, ["township_head"])
    assert acts(doc(state="approved"), ["township_staff"]) == [("delivered", None)]


def test_the_last_step_and_the_decision_are_one_action():
    """At the head's step the head passes it and decides in one post; nothing else decides then."""
    at_head = doc(state="in_review", flow_pos=1)
    assert acts(at_head, ["township_head"])[:3] == [("approved", "approve"), ("denied", "approve"),
                                                ("step_returned", "approve")]
    assert ("step_passed", "approve") not in acts(at_head, ["township_head"])
    assert decisions.events_for(at_head, T, ["township_head"], "approved", {"step": "approve", "note": "同意"}) == \
        [("step_passed", {"step": "approve"}), ("approved", {"note": "同意"})]
    [(kind, payload)] = decisions.events_for(at_head, T, ["township_head"], "denied",
                                             {"step": "approve", "reason": "不符合条件"})
    assert kind == "denied" and payload == {"reason": "不符合条件", "step": "approve"}
    assert acts(at_head, ["township_staff"]) == [("supplement_requested", None), ("escalated", None)]
    quick = doc(state="accepted", flow=FLOW[:1])  # one step: the window passes and finishes it
    assert acts(quick, ["township_staff"])[:3] == [("approved", "review"), ("denied", "review"),
                                                   ("step_returned", "review")]


def test_each_action_names_only_the_fields_it_takes():
    assert decisions.fields_of({"action": "supplement_requested"}) == ["missing", "reason"]
    assert decisions.fields_of({"action": "accepted"}) == []
    assert decisions.fields_of({"action": "approved", "step": "x", "finishes": True}) == []
    assert decisions.fields_of({"action": "approved"}, voice=True) == ["answer"]
    assert decisions.fields_of({"action": "escalation_answered", "resolution": "routed"}) == ["answer", "department"]
    assert decisions.fields_of({"action": "step_passed", "assigns": True}) == ["department"]


def test_parallel_branches_each_offered_to_their_role():
    flow = [{"parallel": {"id": "joint", "name": "联审", "rule": "all", "branches": [
        {"id": "mz", "name": "民政", "role": "county_approver"}, {"id": "rs", "name": "人社", "role": "county_approver"}]}}]
    d = doc(state="accepted", custody=C, decide="county", flow=flow, branches={"mz": "passed", "rs": "pending"})
    assert [s for a, s in acts(d, ["county_approver"], me=C) if a == "approved"] == ["rs"]  # the last branch decides
    both = dict(d, branches={"mz": "pending", "rs": "pending"})
    assert [s for a, s in acts(both, ["county_approver"], me=C) if a == "step_passed"] == ["mz", "rs"]
    assert ("approved", None) not in acts(both, ["county_approver"], me=C)


def test_withdrawal_and_escalation_review():
    assert ("withdrawn", None) in acts(doc(state="accepted", withdrawal_requested=True), ["township_staff"])
    review = doc(state="escalation_review", custody=C)
    assert acts(review, ["county_reviewer"], me=C) == [("escalation_answered", "returned"),
                                                       ("escalation_answered", "taken"),
                                                       ("escalation_answered", "routed")]


def test_event_for_refuses_what_is_not_offered_and_asks_for_what_is_missing():
    with pytest.raises(Forbidden):
        decisions.events_for(doc(state="accepted"), T, ["township_staff"], "approved", {})
    with pytest.raises(Forbidden):
        decisions.events_for(doc(state="accepted"), T, ["township_staff"], "step_passed", {"step": "approve"})
    with pytest.raises(ValidationError) as exc:
        decisions.events_for(doc(), T, ["township_staff"], "supplement_requested", {"reason": "缺材料"})
    assert "missing" in exc.value.fields
    [(kind, payload)] = decisions.events_for(doc(), T, ["township_staff"], "supplement_requested",
                                        {"reason": "缺材料", "missing": "户口簿\n\n 身份证复印件 "})
    assert kind == "supplement_requested" and payload["missing"] == ["户口簿", "身份证复印件"]
    assert decisions.events_for(doc(state="accepted"), T, ["township_staff"], "step_passed",
                               {"step": "review"}) == [("step_passed", {"step": "review"})]


def test_every_offered_action_is_accepted_by_the_state_machine():
    """What the console offers for a real projection, the model allows (no dead buttons)."""
    submitted = {"id": "e1", "app_id": "a1", "origin": "371399101001", "hlc": "1763800000000-0000-371399101001",
                 "actor": "kiosk", "type": "submitted",
                 "payload": {"tracking_code": "X", "item": {"code": "MZ-001", "decide_tier": "township",
                                                             "flow": FLOW, "promised_days": 10},
                             "applicant": {"name": "a", "id_number": "1", "phone": ""}}}
    d = model.apply(None, submitted)
    d = model.apply(d, {**submitted, "id": "e2", "origin": T, "hlc": "1763800000001-0000-371399101",
                        "type": "received", "payload": {}})
    form = {"reason": "理由", "missing": "户口簿"}
    for offered in decisions.available(d, T, ["township_staff", "township_head"]):
        out = d
        for n, (kind, payload) in enumerate(decisions.events_for(
                d, T, ["township_staff", "township_head"], offered["action"],
                dict(form, **{k: v for k, v in offered.items() if k in ("step",)}))):
            out = model.apply(out, {**submitted, "id": f"x{n}", "origin": T, "hlc": f"176380000000{2 + n}-0000-371399101",
                                    "type": kind, "payload": payload}, strict=True)


def test_a_township_case_taken_on_escalation_is_decided_by_the_county_reviewer():
    taken = doc(custody=C, escalation={"resolution": "taken", "answer": "县里办"})
    assert acts(taken, ["county_reviewer"], me=C)[:2] == [("accepted", None), ("not_accepted", None)]
    assert acts(taken, [("county_approver", "")], me=C) == []  # the reviewer's alone
    [(kind, payload)] = decisions.events_for(taken, C, ["county_reviewer"], "accepted", {})
    assert payload["on_behalf_of"] == "" and kind == "accepted"
    accepted = doc(state="accepted", custody=C, escalation={"resolution": "taken"})
    assert ("step_passed", "review") in acts(accepted, ["county_reviewer"], me=C)
    assert acts(doc(custody=C, escalation={"resolution": "returned"}), ["county_reviewer"], me=C) == []


def test_an_escalation_routed_to_a_department_is_decided_by_its_approvers_alone():
    review = doc(state="escalation_review", custody=C)
    review["item"]["department"] = "MZ"
    [(kind, payload)] = decisions.events_for(review, C, ["county_reviewer"], "escalation_answered",
                                        {"resolution": "routed", "department": "ZJ", "answer": "转住建"}, {"MZ", "ZJ"})
    assert payload == {"resolution": "routed", "department": "ZJ", "answer": "转住建"}
    with pytest.raises(ValidationError) as err:
        decisions.events_for(review, C, ["county_reviewer"], "escalation_answered",
                            {"resolution": "routed", "department": "XX"}, {"MZ", "ZJ"})
    assert "department" in err.value.fields
    with pytest.raises(ValidationError):  # the state machine wants the department too
        model._check_payload(review, {"type": "escalation_answered", "payload": {"resolution": "routed"}})
    routed = doc(custody=C, escalation={"resolution": "routed", "department": "ZJ"})
    assert acts(routed, [("county_approver", "ZJ")], me=C)[:1] == [("accepted", None)]
    assert acts(routed, [("county_approver", "MZ")], me=C) == []
    assert acts(routed, ["county_reviewer"], me=C) == []
    [(kind, payload)] = decisions.events_for(routed, C, [("county_approver", "ZJ")], "accepted", {})
    assert payload["on_behalf_of"] == "ZJ"
    step = doc(state="accepted", custody=C, escalation={"resolution": "routed", "department": "ZJ"})
    assert ("step_passed", "review") in acts(step, [("county_approver", "ZJ")], me=C)


def test_the_deciding_office_records_that_a_bad_rating_was_put_right():
    rated = doc(state="delivered", rating={"level": 1, "channels": ["kiosk"]},
                rectification={"state": "open", "opened_on": "2026-03-04"})
    assert ("rectification_done", None) in acts(rated, ["township_staff"])
    assert acts(rated, ["township_staff"], me=C) == []  # not the county's case
    with pytest.raises(ValidationError) as err:
        decisions.events_for(rated, T, ["township_staff"], "rectification_done", {})
    assert "note" in err.value.fields
    [(kind, payload)] = decisions.events_for(rated, T, ["township_staff"], "rectification_done", {"note": "已整改"})
    assert (kind, payload) == ("rectification_done", {"note": "已整改"})
    done = dict(rated, rectification={"state": "done"})
    assert ("rectification_done", None) not in acts(done, ["township_staff"])


def test_posted_values_are_text_and_bounded():
    """What an API client posts is text (missing: a list of texts), each missing item bounded; else a clear 400."""
    for form in ({"reason": ["a", {"x": 1}]}, {"missing": [1, {}], "reason": "r"}, {"department": ["ZJ"]}):
        with pytest.raises(ValidationError):
            decisions.events_for(doc(), T, ["township_staff"], "supplement_requested", form)
    [(kind, payload)] = decisions.events_for(doc(), T, ["township_staff"], "supplement_requested",
                                             {"reason": "缺", "missing": ["户" * 100_000]})
    assert len(payload["missing"][0]) == decisions.MISSING_ITEM_MAX


def test_a_returned_case_is_not_denied_before_the_flow_reaches_its_last_step():
    returned = doc(state="returned", flow_pos=0)
    assert ("denied", None) not in acts(returned, ["township_staff", "township_head"])
    assert ("denied", None) in acts(dict(returned, flow_pos=1), ["township_head"])
