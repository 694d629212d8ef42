"""Electronic supervision on a controllable clock, and deadlines that move by exactly the paused working days."""
from datetime import date, datetime, timedelta

import pytest

from common.domain.application import CHINA, step_deadlines
from common.errors import ValidationError
from common.node import open_db
from common.store import applications as apps, calendar as cal_store, catalog
from county_hub import queues, supervision
from tests.helpers import make_node

C = "371399"
ITEM = "RS-003"


def hlc_on(day, n):
    """An HLC timestamp at 10:00 China time on DAY (N orders events within the day)."""
    ms = int(datetime(day.year, day.month, day.day, 10, tzinfo=CHINA).timestamp() * 1000) + n
    return f"{ms:013d}-0000-{C}"


@pytest.fixture
def county(tmp_path):
    cfg = make_node(tmp_path, "county")
    conn = open_db(cfg)
    yield cfg, conn
    conn.close()


def walk_in(conn, days, item=ITEM, form=None):
    """A county walk-in whose events happen on DAYS: {event type[:step]: date} (submitted, received, accepted, …)."""
    doc = apps.submit(conn, _FixedClock(hlc_on(days["submitted"], 0)), C, "desk", dict(catalog.item(conn, item)),
                      {"name": "吴十", "id_number": "11010519440119002X", "phone": "13700009999",
                       **({"company": "示范县东岭建筑工程有限公司", "uscc": "91350100M000100Y43", "legal_rep": "吴十"}
                          if item == "ZJ-003" else {})},
                      form or {"delivery": "县政务服务中心领取"})
    for n, (key, day) in enumerate(list(days.items())[1:], start=1):
        kind, _, step = key.partition(":")
        payload = {"missing": ["户口簿"], "reason": "缺页"} if kind == "supplement_requested" else \
            {"materials": []} if kind == "supplement_provided" else {"step": step} if step else {}
        apps.append(conn, _FixedClock(hlc_on(day, n)), C, doc["id"], kind, "approver", payload)
    return apps.get(conn, doc["id"])


class _FixedClock:
    def __init__(self, value):
        self.value = value

    def now(self):
        return self.value

    def wall_ms(self):
        return int(self.value[:13])  # the decision's legal day is this day too


def test_a_supplement_round_moves_the_deadline_by_exactly_the_paused_working_days(county):
    cfg, conn = county
    cal = cal_store.load_cached(conn)
    mon = date(2026, 3, 2)  # an ordinary week in March 2026
    plain = walk_in(conn, {"submitted": mon, "received": mon, "accepted": mon})
    paused = walk_in(conn, {"submitted": mon, "received": mon, "accepted": mon,
                            "supplement_requested": mon + timedelta(days=2),     # Wednesday
                            "supplement_provided": mon + timedelta(days=7)})     # the next Monday
    promised = plain["limit_days"]
    assert plain["due_on"] == cal.add_working_days(mon, promised).isoformat()
    assert paused["paused_days"] == 3  # Thursday, Friday, Monday
    assert paused["due_on"] == cal.add_working_days(date.fromisoformat(plain["due_on"]), 3).isoformat()
    still_waiting = walk_in(conn, {"submitted": mon, "received": mon, "accepted": mon,
                                   "supplement_requested": mon + timedelta(days=1)})
    assert still_waiting["due_on"] is None  # the clock stands still while documents are awaited


def test_the_sweep_raises_yellow_then_red_on_the_right_working_days_once_each(county):
    cfg, conn = county
    cal = cal_store.load_cached(conn)
    mon = date(2026, 3, 2)
    doc = walk_in(conn, {"submitted": mon, "received": mon, "accepted": mon})
    due = date.fromisoformat(doc["due_on"])

    def warnings():
        return [e["payload"]["level"] for e in apps.events(conn, doc["id"]) if e["type"] == "warning_raised"]

    three_left = cal.add_working_days(mon, doc["limit_days"] - 3)
    assert supervision.sweep(conn, cfg, today=three_left) == 0 and warnings() == []
    two_left = cal.add_working_days(three_left, 1)
    assert supervision.sweep(conn, cfg, today=two_left) == 1 and warnings() == ["yellow"]
    assert supervision.sweep(conn, cfg, today=two_left) == 0  # idempotent
    assert supervision.sweep(conn, cfg, today=due) == 0 and warnings() == ["yellow"]  # due today: still yellow
    after = due + timedelta(days=1)
    while not cal.is_workday(after):
        after += timedelta(days=1)
    assert supervision.sweep(conn, cfg, today=after) == 1 and warnings() == ["yellow", "red"]
    assert supervision.sweep(conn, cfg, today=after + timedelta(days=30)) == 0
    event = [e for e in apps.events(conn, doc["id"]) if e["type"] == "warning_raised"][-1]
    assert event["actor"] == supervision.ACTOR and "超期" in event["payload"]["reason"]
    assert apps.get(conn, doc["id"])["warning"] == "red"


def test_rules_are_data_and_flags_catch_repeated_supplements_and_wrong_fees(county):
    cfg, conn = county
    cal = cal_store.load_cached(conn)
    doc = {"state": "accepted", "pauses": [["2026-03-03", "2026-03-04"], ["2026-03-05", "2026-03-06"]],
           "item": {"fee": 0}}
    rule = supervision.rules(conn)
    assert supervision.assess(doc, "2026-04-30", cal, date(2026, 3, 9), rule)[0] == "yellow"  # asked twice
    assert supervision.assess(dict(doc, pauses=[]), "2026-04-30", cal, date(2026, 3, 9), rule) == (None, "")
    assert supervision.assess(dict(doc, pauses=[]), "2026-04-30", cal, date(2026, 3, 9), rule, catalog_fee=20)[0] \
        == "yellow"
    assert supervision.assess(dict(doc, state="supplement", pauses=[]), "2026-03-01", cal, date(2026, 3, 9), rule) \
        == (None, "")  # paused: no deadline warning
    changed = supervision.set_rules(conn, {"yellow_days_left": 5, "repeat_supplements": 0}, "admin")
    assert changed["yellow_days_left"] == 5 and supervision.rules(conn)["repeat_supplements"] == 0
    for bad in ({"nonsense": 1}, {"yellow_days_left": "two"}, {"yellow_days_left": -1}, []):
        with pytest.raises(ValidationError):
            supervision.set_rules(conn, bad, "admin")
    assert supervision.rules(conn)["yellow_days_left"] == 5


def test_two_sweeps_at_once_raise_each_warning_once(county):
    # The scheduler's sweep and one an administrator asks for, on two connections: what the second
    # read before the first committed is checked again under the write lock.
    cfg, conn = county
    cal = cal_store.load_cached(conn)
    mon = date(2026, 3, 2)
    doc = walk_in(conn, {"submitted": mon, "received": mon, "accepted": mon})
    late = cal.add_working_days(date.fromisoformat(doc["due_on"]), 1)
    other = open_db(cfg)
    stale = [(doc["id"], {"level": "red", "reason": "逾期", "due_on": doc["due_on"], "on": late.isoformat()})]
    assert supervision.sweep(conn, cfg, today=late) == 1
    assert supervision._raise(other, cfg, stale) == 0
    other.close()
    assert [e["payload"]["level"] for e in apps.events(conn, doc["id"]) if e["type"] == "warning_raised"] == ["red"]


def test_a_calendar_change_moves_the_deadline_the_sweep_uses(county):
    cfg, conn = county
    mon = date(2026, 3, 2)
    doc = walk_in(conn, {"submitted": mon, "received": mon, "accepted": mon})
    due = date.fromisoformat(doc["due_on"])
    cal_store.set_day(conn, mon + timedelta(days=3), "holiday", "临时休假")
    moved = apps.with_deadline(conn, apps.get(conn, doc["id"]), cal_store.load_cached(conn))
    new_due = date.fromisoformat(moved["due_on"])
    assert new_due == cal_store.load_cached(conn).add_working_days(due, 1)
    # The day after the old deadline is the new one: a yellow warning, not a red one.
    assert supervision.sweep(conn, cfg, today=new_due) == 1
    assert [e["payload"]["level"] for e in apps.events(conn, doc["id"]) if e["type"] == "warning_raised"] == ["yellow"]


def test_a_branch_past_its_own_limit_is_flagged_before_the_overall_deadline(county):
    cfg, conn = county
    cal = cal_store.load_cached(conn)
    mon = date(2026, 3, 2)
    doc = walk_in(conn, {"submitted": mon, "received": mon, "accepted": mon, "step_passed:intake": mon},
                  item="ZJ-003", form={"project_name": "村民活动中心", "floor_area": "800"})
    branches = step_deadlines(doc, cal)
    assert {b["id"] for b in branches} == {"planning", "construction", "environment", "soil"}
    assert {b["due"] for b in branches} == {cal.add_working_days(mon, 5)}
    assert supervision.sweep(conn, cfg, today=cal.add_working_days(mon, 5)) == 0  # the last day of the branches
    assert supervision.sweep(conn, cfg, today=cal.add_working_days(mon, 6)) == 1
    [event] = [e for e in apps.events(conn, doc["id"]) if e["type"] == "warning_raised"]
    assert event["payload"]["level"] == "yellow" and "超过 5 个工作日" in event["payload"]["reason"]


def test_a_bad_ratings_rectification_turns_yellow_then_red_until_it_is_done(county):
    cfg, conn = county
    cal = cal_store.load_cached(conn)
    mon = date(2026, 3, 2)
    doc = walk_in(conn, {"submitted": mon, "received": mon, "accepted": mon, "step_passed:review": mon,
                         "approved": mon + timedelta(days=1)})
    rated_on = mon + timedelta(days=2)  # Wednesday
    apps.append(conn, _FixedClock(hlc_on(rated_on, 50)), C, doc["id"], "rated", "desk",
                {"level": 1, "channel": "window", "comment": "态度不好"})
    days = supervision.rules(conn)["rectify_days"]
    due = cal.add_working_days(rated_on, days)

    def rect_warnings():
        return [e["payload"]["level"] for e in apps.events(conn, doc["id"])
                if e["type"] == "warning_raised" and e["payload"].get("about") == "rectification"]

    assert supervision.sweep(conn, cfg, today=rated_on) == 0 and rect_warnings() == []
    two_left = cal.add_working_days(rated_on, days - 2)
    assert supervision.sweep(conn, cfg, today=two_left) == 1 and rect_warnings() == ["yellow"]
    assert supervision.sweep(conn, cfg, today=due) == 0
    after = due + timedelta(days=1)
    while not cal.is_workday(after):
        after += timedelta(days=1)
    assert supervision.sweep(conn, cfg, today=after) == 1 and rect_warnings() == ["yellow", "red"]
    got = apps.get(conn, doc["id"])
    assert got["rectification"]["warning"] == "red" and got["warning"] is None  # the case's own deadline was met
    apps.append(conn, _FixedClock(hlc_on(after, 60)), C, doc["id"], "rectification_done", "mz1",
                {"note": "已约谈，改进服务"})
    assert supervision.sweep(conn, cfg, today=after + timedelta(days=10)) == 0
    assert queues.open_rectifications(conn) == []
