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
