"""Complaints, suggestions and consultations (诉求件) as applications: the catalog's rules for their flow, the
department 送阅 assigns, the answer 承办 writes, and what staff are offered at each step."""
import copy

import pytest

from common.domain import catalog, decisions
from common.domain import application as model
from common.errors import ValidationError
from county_hub.queues import departments_of
from tests.common.test_application import C, T, Case

VOICE_ITEM = {"code": "RX-001", "name": "投诉", "department": "RX", "accept_tier": "village", "decide_tier": "county",
              "case_type": "voice", "fee": 0, "legal_days": 15, "promised_days": 10, "materials": [], "flow": [
                  {"id": "songyue", "role": "county_approver", "department": "RX", "assigns": True, "days": 1},
                  {"id": "pibang", "role": "county_approver", "department": "@assigned", "days": 1},
                  {"id": "chengban", "role": "county_approver", "department": "@assigned", "answers": True, "days": 5},
                  {"id": "ducha", "role": "county_approver", "department": "RX", "days": 2}]}
RX, MZ = [("county_approver", "RX")], [("county_approver", "MZ")]


def raw_catalog(**changes):
    item = {"code": "RX-001", "name": "投诉", "department": "RX", "decide_tier": "county", "case_type": "voice",
            "legal_days": 15, "promised_days": 10, "flow": copy.deepcopy(VOICE_ITEM["flow"])}
    item.update(changes)
    for step in item["flow"]:
        step.setdefault("name", step["id"])
    return {"departments": [{"code": "RX", "name": "热线办"}, {"code": "MZ", "name": "民政局"}], "items": [item]}


def test_the_shipped_voice_items_validate_and_a_plain_item_cannot_use_their_keys():
    assert catalog.validate(raw_catalog())["items"][0]["flow"][1]["department"] == "@assigned"
    plain = raw_catalog(case_type="promised")
    with pytest.raises(ValidationError) as err:
        catalog.validate(plain)
    text = str(err.value.details)
    assert "@assigned is only for voice items" in text and "assigns is only for voice items" in text


@pytest.mark.parametrize("flow, problem", [
    ([{"id": "a", "role": "county_approver", "department": "@assigned", "answers": True}], "needs an earlier step"),
    ([{"id": "a", "role": "county_approver", "assigns": True}], "exactly one step with answers"),
    ([{"id": "a", "role": "county_approver", "answers": True}, {"id": "b", "role": "county_approver", "answers": True}],
     "exactly one step with answers"),
])
def test_a_voice_flow_must_assign_before_it_uses_the_assignment_and_answer_once(flow, problem):
    with pytest.raises(ValidationError) as err:
        catalog.validate(raw_catalog(flow=flow))
    assert problem in str(err.value.details)


def at_county():
    case = Case(VOICE_ITEM)
    case.add("forwarded", T)  # the township passes it straight on; the county holds it
    return case


def test_the_hotline_office_assigns_the_department_which_instructs_and_answers():
    case = at_county()
    doc = case.add("accepted", C)
    assert departments_of(doc) == ["RX"]
    offered = decisions.available(doc, C, RX)
    assert [a["action"] for a in offered] == ["step_passed", "supplement_requested"] and offered[0]["assigns"]
    assert decisions.available(doc, C, MZ) == []
    with pytest.raises(ValidationError):
        decisions.events_for(doc, C, RX, "step_passed", {"step": "songyue"}, departments={"RX", "MZ"})
    with pytest.raises(ValidationError):
        decisions.events_for(doc, C, RX, "step_passed", {"step": "songyue", "department": "XX"}, departments={"RX", "MZ"})
    [(kind, payload)] = decisions.events_for(doc, C, RX, "step_passed", {"step": "songyue", "department": "MZ"},
                                        departments={"RX", "MZ"})
    doc = case.add(kind, C, **payload)
    assert doc["assigned"] == "MZ" and departments_of(doc) == ["MZ"]
    assert [a["action"] for a in decisions.available(doc, C, RX)] == ["supplement_requested"]
    doc = case.add("step_passed", C, step="pibang")
    with pytest.raises(ValidationError):
        decisions.events_for(doc, C, MZ, "step_passed", {"step": "chengban"})
    with pytest.raises(ValidationError):
        decisions.events_for(doc, C, MZ, "step_passed", {"step": "chengban", "answer": "<b>好</b>"})
    [(kind, payload)] = decisions.events_for(doc, C, MZ, "step_passed", {"step": "chengban", "answer": "已核实，名单已公示"})
    doc = case.add(kind, C, **payload)
    assert doc["answer"]["text"] == "已核实，名单已公示" and doc["answer"]["department"] == "MZ"
    doc = case.add("step_passed", C, step="ducha")
    assert [a["action"] for a in decisions.available(doc, C, RX)] == ["approved", "supplement_requested"]
    [(kind, payload)] = decisions.events_for(doc, C, RX, "approved", {"answer": "已核实，名单已于3月公示。"})
    doc = case.add(kind, C, **payload)
    assert doc["state"] == "approved" and doc["answer"]["text"] == "已核实，名单已于3月公示。"
    assert decisions.available(doc, C, RX) == []  # no delivery of an answer
    assert model.label("approved", voice=True) == "已答复" and model.label("approved") != "已答复"
    assert model.project(list(reversed(case.events)))["answer"] == doc["answer"]


def test_the_state_machine_itself_refuses_a_step_without_its_assignment_or_answer():
    case = at_county()
    case.add("accepted", C)
    with pytest.raises(ValidationError):
        case.add("step_passed", C, step="songyue")
    case.add("step_passed", C, step="songyue", assign="MZ")
    case.add("step_passed", C, step="pibang")
    with pytest.raises(ValidationError):
        case.add("step_passed", C, step="chengban", answer="  ")
