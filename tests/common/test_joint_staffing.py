"""Joint approval (联审联批): the timeline names every step and its department; departments and steps with
open cases that no active account can act on are found (issue 20.10)."""
from common.domain import staffing, timeline
from tests.common.test_application import COUNTY_ITEM, JOINT_ITEM, C, T, Case

NAMES = {"ZR": "县自然资源局", "ZJ": "县住房和城乡建设局", "HB": "市生态环境局县分局", "SL": "县水利局", "MZ": "县民政局"}
NAMED = dict(JOINT_ITEM, department="ZJ", flow=[
    dict(JOINT_ITEM["flow"][0], name="综合窗口受理"),
    {"parallel": dict(JOINT_ITEM["flow"][1]["parallel"], branches=[
        dict(b, name=n) for b, n in zip(JOINT_ITEM["flow"][1]["parallel"]["branches"],
                                        ["规划许可审查", "施工许可审查", "环境影响审查", "水土保持审查"])])},
    dict(JOINT_ITEM["flow"][2], name="联合审批结果出具")])


def joint_case(passed=("intake",)):
    case = Case(NAMED)
    case.add("received", T)
    case.add("forwarded", T)
    case.add("accepted", C)
    for step in passed:
        case.add("step_passed", C, step=step)
    return case


def test_every_step_event_names_its_step_and_department():
    case = joint_case(("intake", "planning", "construction", "environment", "soil", "issue"))
    case.add("approved", C)
    named = [timeline.who_acted(case.doc, e, NAMES) for e in case.events]
    steps = [(n["step_name"], n["department_name"]) for e, n in zip(case.events, named) if e["type"] == "step_passed"]
    assert steps == [("综合窗口受理", "县住房和城乡建设局"), ("规划许可审查", "县自然资源局"),
                     ("施工许可审查", "县住房和城乡建设局"), ("环境影响审查", "市生态环境局县分局"),
                     ("水土保持审查", "县水利局"), ("联合审批结果出具", "县住房和城乡建设局")]
    by_type = {e["type"]: n for e, n in zip(case.events, named)}
    assert by_type["accepted"]["department_name"] == by_type["approved"]["department_name"] == "县住房和城乡建设局"
    # The township's own acts are no county department's; the villager's submission is no one's.
    assert by_type["forwarded"]["department"] == by_type["submitted"]["department"] == ""


def test_a_returned_branch_is_named_and_a_township_step_has_no_county_department():
    case = joint_case()
    case.add("step_returned", C, step="environment", reason="缺环评登记表")
    assert timeline.who_acted(case.doc, case.events[-1], NAMES)["step_name"] == "环境影响审查"
    assert timeline.who_acted(case.doc, case.events[-1], NAMES)["department_name"] == "市生态环境局县分局"
    town = Case()
    town.add("received", T)
    town.add("accepted", T)
    town.add("step_passed", T, step="review")
    assert timeline.who_acted(town.doc, town.events[-1], NAMES) == {"step": "review", "step_name": "review",
                                                                    "department": "", "department_name": ""}


def test_needs_name_each_pending_branch_and_the_reviewer():
    case = joint_case(("intake", "planning"))
    assert staffing.needs_of(case.doc) == [("county_approver", "ZJ", "construction", "施工许可审查"),
                                           ("county_approver", "HB", "environment", "环境影响审查"),
                                           ("county_approver", "SL", "soil", "水土保持审查")]
    intake = Case(COUNTY_ITEM)
    intake.add("received", T)
    intake.add("forwarded", T)
    assert staffing.needs_of(intake.doc) == [("county_approver", "MZ", "", "")]
    up = Case()
    up.add("received", T)
    up.add("escalated", T, reason="政策不明")
    up.add("received", C)
    assert staffing.needs_of(up.doc) == [("county_reviewer", "", "", "")]


def user(name, *roles, disabled=0):
    return {"username": name, "disabled": disabled, "roles": [tuple(r.split(":")) if ":" in r else (r, "")
                                                            for r in roles]}


def test_departments_without_an_active_account_are_gaps_with_their_steps():
    docs = [joint_case(("intake",)).doc, joint_case(("intake", "planning")).doc]
    counts = {"ZR": 1, "ZJ": 2, "HB": 2, "SL": 2, "MZ": 0}
    people = [user("zj", "county_approver:ZJ"), user("hb", "county_approver:HB", disabled=1), user("admin", "admin"),
              user("sup", "supervisor")]
    found = staffing.gaps(counts, people, docs, reviewer_cases=1)
    assert [(g["role"], g["department"], g["count"]) for g in found] == [
        ("county_approver", "HB", 2), ("county_approver", "SL", 2), ("county_approver", "ZR", 1),
        ("county_reviewer", "", 1)]
    assert found[0]["steps"] == [{"id": "environment", "name": "环境影响审查", "count": 2, "item": "ZJ-003"}]
    assert found[2]["steps"] == [{"id": "planning", "name": "规划许可审查", "count": 1, "item": "ZJ-003"}]
    # An approver for every department covers them all; a reviewer covers the reviewer's cases.
    assert staffing.gaps(counts, people + [user("all", "county_approver", "county_reviewer")], docs, 1) == []
    assert staffing.gaps({}, [], [], 0) == []


def test_the_demo_county_staffs_every_department_its_catalog_uses():
    from common.demo import network
    from tests.common.test_demo_history import shipped_items
    from tests.common.test_catalog import SHIPPED
    from common.domain import catalog
    shipped = catalog.validate(catalog.load_yaml(SHIPPED.read_text(encoding="utf-8")))
    people = [{"username": u, "disabled": 0, "roles": [tuple(r.split(":")) if ":" in r else (r, "")]}
              for u, _, r in network.county_staff(shipped["departments"])]
    used = {it["department"] for it in shipped_items() if it["decide_tier"] == "county"}
    used |= {s["department"] for it in shipped_items() for el in it.get("flow", [])
             for s in (el["parallel"]["branches"] if "parallel" in el else [el])
             if s.get("department") and s["department"] != "@assigned"}
    assert {"ZR", "ZJ", "HB", "SL"} <= used  # ZJ-003's four branches
    assert [d for d in sorted(used) if not staffing.can_act(people, "county_approver", d)] == []
    assert staffing.can_act(people, "county_reviewer", "")
    names = {u for u, _, _ in network.county_staff(shipped["departments"])}
    assert {"zr", "hb", "sl", "rs", "mz", "yb", "zj", "rx"} <= names
