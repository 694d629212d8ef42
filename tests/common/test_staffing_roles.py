"""The staffing warning says what the decision rules say: a step the reviewer acts on needs a reviewer (of its department), not the approver (issue 20.10, from the attack)."""
from common.domain import decisions, staffing
from tests.common.test_application import COUNTY_ITEM, C, T, Case
from tests.common.test_joint_staffing import user

# A county item whose second step is the reviewer's (catalog.STEP_ROLES allows county_reviewer on a county item).
REVIEWED = dict(COUNTY_ITEM, code="MZ-009", flow=[{"id": "intake", "role": "county_approver"},
                                                  {"id": "check", "role": "county_reviewer"}])


def at_reviewer_step():
    case = Case(REVIEWED)
    case.add("received", T)
    case.add("forwarded", T)
    case.add("accepted", C)
    case.add("step_passed", C, step="intake")
    return case.doc


def _acts(doc, people):
    return {p["username"]: decisions.available(doc, C, p["roles"]) for p in people if not p["disabled"]}


def test_a_case_at_a_reviewer_step_with_no_reviewer_is_warned():
    doc = at_reviewer_step()
    people = [user("mz", "county_approver:MZ"), user("admin", "admin")]
    passing = {"step_passed", "approved"}  # the approver may still ask for documents or refuse; nobody can pass it …
    assert not any(a["action"] in passing for acts in _acts(doc, people).values() for a in acts)
    found = staffing.gaps({"MZ": 1}, people, [doc], reviewer_cases=0)
    assert found, "… yet the admin and the supervisors are told every open case has someone to act on it"


def test_a_reviewer_who_can_act_is_not_reported_missing():
    doc = at_reviewer_step()
    people = [user("rev", "county_reviewer")]
    assert _acts(doc, people)["rev"]  # the reviewer can pass the step …
    found = staffing.gaps({"MZ": 1}, people, [doc], reviewer_cases=0)
    assert found == [], found  # … yet 县民政局 is reported as having nobody to act on its case


def test_a_department_bound_reviewer_of_another_department_does_not_cover():
    people = [user("rev", "county_reviewer:RS")]
    doc = at_reviewer_step()
    assert not _acts(doc, people)["rev"]
    assert not staffing.can_act(people, "county_reviewer", "MZ")  # can_act ignores a reviewer's department
