"""督办/催办 (issue 20.11): the `urged` event is the county's only, changes no state, commutes, and is bounded."""
import itertools

import pytest

from common.domain import application as model
from common.domain import payloads, urging
from common.errors import CustodyError, ValidationError
from common.store import applications as apps
from county_hub.supervision_views import rules_from_form
from tests.common.test_application import C, T, V, to_received


def urge_event(n, origin=C, **payload):
    p = dict({"kind": "duban", "note": f"第{n}次督办", "level": "red", "office": T, "departments": [],
              "on": "2026-01-05"}, **payload)
    return {"id": f"u{n}", "app_id": "app1", "origin": origin, "hlc": f"{1_767_300_000_000 + n:013d}-0000-{origin}",
            "actor": "sup1", "type": "urged", "payload": p}


def test_an_urge_changes_no_state_and_any_order_gives_the_same_projection():
    case = to_received()
    case.add("accepted", T)
    before = case.doc
    events = case.events + [urge_event(1, kind="cuiban"), urge_event(2)]
    for doc in [model.project(events)] + [model.project(case.events[:-1] + list(o))
                                         for o in itertools.permutations(events[-3:])]:
        assert doc["state"] == before["state"] == "accepted" and doc["custody"] == T
        assert doc["urges"] == 2 and doc["urged"]["note"] == "第2次督办" and doc["urged"]["kind"] == "duban"
    assert model.label("urged") == "电子监察督办"


@pytest.mark.parametrize("origin", [T, V])
def test_a_township_or_village_claiming_to_have_urged_is_refused(origin, conn):
    with pytest.raises(CustodyError):
        payloads.check_from_child(urge_event(1, origin=origin))
    with pytest.raises(CustodyError):  # refused on ingest from a child, before anything is stored
        apps.ingest(conn, urge_event(1, origin=origin))
    case = to_received()
    with pytest.raises(CustodyError):  # and by the node itself, were its own code to try
        model.apply(case.doc, urge_event(1, origin=origin), strict=True)


@pytest.mark.parametrize("bad", [{"kind": "shout"}, {"note": ""}, {"note": "x" * 501}, {"note": 5}, {"level": None},
                                 {"office": "abc"}, {"departments": "MZ"}, {"departments": ["x" * 17]},
                                 {"departments": ["MZ"] * 21}, {"on": "2026-01-05T00:00:00"}])
def test_a_malformed_urge_is_refused(bad):
    with pytest.raises(ValidationError):
        payloads.check_from_child(urge_event(1, **bad))


def test_who_may_urge_and_what_the_urge_says():
    case = to_received()
    case.add("accepted", T)
    sup = [("supervisor", "")]
    assert not urging.may_urge(case.doc, C, sup)  # no warning yet
    warned = dict(case.doc, warning="yellow")
    assert urging.may_urge(warned, C, sup)
    assert not urging.may_urge(warned, T, sup) and not urging.may_urge(warned, C, [("admin", ""), ("county_approver", "MZ")])
    assert not urging.may_urge(dict(warned, state="approved"), C, sup)
    p = urging.payload_for(warned, "cuiban", "  请抓紧  ", "2026-01-05", awaiting=["MZ"])
    assert p == {"kind": "cuiban", "note": "请抓紧", "level": "yellow", "office": T, "departments": [], "on": "2026-01-05",
                 "by_name": ""}
    at_county = dict(warned, custody=C)
    assert urging.payload_for(at_county, "duban", "限期办结", "2026-01-05", ["ZR", "HB"])["departments"] == ["HB", "ZR"]
    for kind, note, field in (("", "x", "kind"), ("duban", " ", "note"), ("duban", "x" * 501, "note")):
        with pytest.raises(ValidationError) as err:
            urging.payload_for(warned, kind, note, "2026-01-05")
        assert field in err.value.fields


def test_the_texts_go_to_active_approvers_of_the_departments_with_a_mobile():
    people = [{"username": "zr", "disabled": 0, "phone": "13700001111", "roles": [("county_approver", "ZR")]},
              {"username": "zr2", "disabled": 1, "phone": "13700002222", "roles": [("county_approver", "ZR")]},
              {"username": "zr3", "disabled": 0, "phone": "", "roles": [("county_approver", "ZR")]},
              {"username": "hb", "disabled": 0, "phone": "13700003333", "roles": [("county_approver", "HB")]},
              {"username": "sup", "disabled": 0, "phone": "13700004444", "roles": [("supervisor", "")]}]
    assert urging.recipients(people, {"ZR"}) == [("zr", "13700001111")]


def test_the_rules_form_takes_whole_numbers_in_range_and_a_checkbox():
    assert rules_from_form({"yellow_days_left": "3", "repeat_supplements": "0", "rectify_days": "7"}) == \
        {"yellow_days_left": 3, "repeat_supplements": 0, "rectify_days": 7, "check_fee": False}
    assert rules_from_form({"yellow_days_left": "3", "repeat_supplements": "2", "rectify_days": "5",
                            "check_fee": "on"})["check_fee"] is True
    with pytest.raises(ValidationError) as err:
        rules_from_form({"yellow_days_left": "31", "repeat_supplements": "-1", "rectify_days": "０"})
    assert set(err.value.fields) == {"yellow_days_left", "repeat_supplements", "rectify_days"}
