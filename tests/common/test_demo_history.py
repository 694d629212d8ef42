"""The demo's seeded history: every story is a valid history (the strict state machine told it), replicas
replaying it agree, and it has the variety a dashboard needs."""
from collections import Counter
from datetime import date
from pathlib import Path

from common.demo import history
from common.domain import application as model
from common.domain import catalog
from common.idcard import is_valid
from common.workcal import WorkCalendar

TODAY = date(2026, 12, 15)
VILLAGES = ["371399101001", "371399102001", "371399103002"]


def shipped_items():
    path = Path(__file__).resolve().parents[2] / "common" / "data" / "county_catalog.yaml"
    return catalog.validate(catalog.load_yaml(path.read_text(encoding="utf-8")))["items"]


def test_the_stories_are_valid_varied_and_replay_the_same():
    told = history.stories(shipped_items(), VILLAGES, WorkCalendar({}, [2026]), TODAY, days=15, per_day=(1, 3))
    assert len(told) >= 45
    states = Counter(s.doc["state"] for _, s in told)
    assert states["approved"] > 10 and states.keys() & {"accepted", "in_review", "received", "forwarded"}
    kinds = Counter(e["type"] for _, s in told for e in s.events)
    for kind in ("supplement_requested", "supplement_provided", "rated", "not_accepted", "forwarded", "received"):
        assert kinds[kind] > 0, kind
    for village, story in told:
        assert story.doc["origin"] == village and is_valid(story.doc["applicant"]["id_number"])
        assert all(model.event_date(e["hlc"]) < TODAY for e in story.events)  # nothing told ahead of today
        assert model.project(list(reversed(story.events))) == story.doc
    voice = [s for _, s in told if s.doc["item"]["case_type"] == "voice" and s.doc["state"] == "approved"]
    assert all(s.doc["answer"]["text"] and s.doc["assigned"] for s in voice)
    assert history.stories(shipped_items(), VILLAGES, WorkCalendar({}, [2026]), TODAY, days=15,
                           per_day=(1, 3))[0][1].doc["applicant"] == told[0][1].doc["applicant"]  # seeded: repeatable


def test_the_generated_answers_pass_every_check_on_the_day_they_are_given():
    import random
    from common.domain import submission
    rng = random.Random(7)
    items = [i for i in shipped_items() if any(f["type"] == "date" for f in i["fields"])]
    assert any(f.get("when") == "future" for i in items for f in i["fields"])  # e.g. 预产期
    for item in items:
        form = history.fill_form(item, rng, TODAY)
        if form is not None:
            assert submission.check_form(item, form, TODAY)[1] == {}, item["code"]
    expecting = next(i for i in items if any(f.get("when") == "future" for f in i["fields"]))
    assert history.fill_form(expecting, rng, TODAY) is not None  # the demo can still apply for it
