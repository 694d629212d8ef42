"""Ratings (好差评) on an application: five levels, only after the outcome, once per channel; a bad one
opens a rectification case that the responsible office closes."""
import pytest

from common.domain import application as model
from common.domain import ratings
from common.errors import Conflict, TransitionError, ValidationError
from tests.common.test_application import Case, T, V


def decided():
    case = Case()
    case.add("received", T)
    case.add("accepted", T)
    case.add("step_passed", T, step="review")
    case.add("step_passed", T, step="approve")
    case.add("approved", T, day_step=2)
    return case


def test_a_rating_waits_for_the_outcome_and_is_given_once_per_channel():
    case = Case()
    with pytest.raises(TransitionError):
        case.add("rated", V, level=5, channel="kiosk")
    case = decided()
    doc = case.add("rated", V, day_step=1, level=4, channel="kiosk")
    assert doc["rating"]["level"] == 4 and doc["rating"]["channels"] == ["kiosk"] and "rectification" not in doc
    with pytest.raises(Conflict):
        case.add("rated", V, level=1, channel="kiosk")
    doc = case.add("rated", T, level=5, channel="window", staff="win1", office=T)
    assert doc["rating"]["channels"] == ["kiosk", "window"] and doc["rating"]["staff"] == "win1"


def test_each_rating_is_kept_and_attributed_to_an_office_and_a_person():
    case = decided()
    assert case.doc["decision"]["by"] == case.events[-1]["actor"] and case.doc["decision"]["at"] == T
    case.add("rated", V, level=2, channel="kiosk")
    doc = case.add("rated", T, level=5, channel="window", staff="win7", office=T)
    kiosk, window = doc["ratings"]
    # the village's rating is the deciding office's and person's; the window's is whoever recorded it
    assert (kiosk["level"], kiosk["office"], kiosk["staff"]) == (2, T, case.doc["decision"]["by"])
    assert (window["level"], window["office"], window["staff"]) == (5, T, "win7")
    assert ratings.all_of(doc) == doc["ratings"] and doc["rectification"]["level"] == 2
    assert ratings.all_of({"rating": {"level": 3, "on": "2026-03-01"}}) == [{"level": 3, "on": "2026-03-01"}]


@pytest.mark.parametrize("payload", [{"level": 0, "channel": "kiosk"}, {"level": "5", "channel": "kiosk"},
                                     {"level": True, "channel": "kiosk"}, {"level": 3, "channel": "phone"},
                                     {"level": 3, "channel": "kiosk", "comment": "<script>"},
                                     {"level": 3, "channel": "kiosk", "comment": "长" * 201}])
def test_bad_ratings_are_refused_with_a_message(payload):
    with pytest.raises(ValidationError):
        decided().add("rated", V, **payload)


def test_a_bad_rating_opens_a_rectification_that_the_office_closes():
    case = decided()
    doc = case.add("rated", V, day_step=1, level=ratings.BAD, channel="kiosk", comment="等太久")
    rect = doc["rectification"]
    assert rect["state"] == "open" and rect["comment"] == "等太久" and rect["opened_on"] == doc["rating"]["on"]
    with pytest.raises(ValidationError):
        case.add("rectification_done", T, note=" ")
    doc = case.add("rectification_done", T, day_step=3, note="已约谈窗口人员，优化叫号流程")
    assert doc["rectification"]["state"] == "done" and doc["rectification"]["done_on"] > rect["opened_on"]
    with pytest.raises(TransitionError):
        case.add("rectification_done", T, note="again")
    assert [e["type"] for e in case.events][-2:] == ["rated", "rectification_done"]


def test_replicas_replaying_the_events_agree():
    case = decided()
    case.add("rated", V, level=1, channel="kiosk")
    case.add("rectification_done", T, note="整改")
    assert model.project(list(reversed(case.events)))["rectification"] == case.doc["rectification"]
    assert ratings.LEVELS[1][0] == "非常不满意" and ratings.LEVELS[5][0] == "非常满意"
