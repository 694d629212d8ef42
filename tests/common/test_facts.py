"""The dashboard's SQL sums (common.store.facts) against the straightforward recomputation over projections.

A county database seeded through the history generator (every kind of event the state machine
tells: supplements, denials, refusals, ratings given later, rectifications, complaints), then
compared for every grouping and several periods; again after a late event replays a projection,
after a calendar change, and after the migration back-fills a database made before the facts.
"""
import random
from datetime import date, timedelta

import pytest

from common import clock as business_clock
from common.demo import history
from common.store import applications, catalog, facts
from common.store import calendar as cal_store
from common.node import migrations_for, open_db
from common.store.db import migrate, transaction
from common.tiers import load_tier
from common.domain import stats
from county_hub import queues
from tests.helpers import make_node

VILLAGES = [f"371399{t:03d}{v:03d}" for t in (101, 102, 103) for v in (1, 2, 3)]


@pytest.fixture
def county(tmp_path):
    cfg = make_node(tmp_path, "county")
    conn = open_db(cfg)
    items = [catalog.item(conn, i["code"]) for i in catalog.items(conn)]
    cal, today = cal_store.load(conn), business_clock.today(cfg)
    told = history.stories(items, VILLAGES, cal, today, days=60, per_day=(0, 4), seed=18)
    held = []  # a few events arrive late: the projection replays when they come
    rng = random.Random(5)
    with transaction(conn):
        for _, story in told:
            for k, event in enumerate(story.events):
                if 0 < k < len(story.events) - 1 and rng.random() < 0.03:
                    held.append(event)
                    continue
                applications.ingest(conn, event, trusted=True, route=False)
    yield conn, today, held, told
    conn.close()


def _periods(today):
    # (this month; whole months with days at both ends; all time; no whole month; whole months exactly)
    last_month_end = today.replace(day=1) - timedelta(days=1)
    months_back = (last_month_end - timedelta(days=70)).replace(day=1)
    return [(today.replace(day=1), today), (today - timedelta(days=250), today - timedelta(days=3)),
            (date(2000, 1, 1), today), (today - timedelta(days=45), today - timedelta(days=15)),
            (months_back, last_month_end)]


def _same(conn, today):
    # Every figure of the page, both ways, over the calendar as it is now.
    cal = cal_store.load(conn)
    for start, end in _periods(today):
        docs = [applications.with_deadline(conn, d, cal) for d in queues.for_period(conn, start, end)]
        for group in stats.GROUPS:
            sql = stats.finish(facts.figures(conn, start, end, group).values())
            assert sql == stats.figures(docs, cal, start, end, group), (group, start, end)
        for by in stats.RATING_GROUPS:
            assert stats.finish_ratings(facts.rating_figures(conn, start, end, by).values()) == \
                stats.rating_figures(docs, start, end, by)
        monthly = stats.bucket_size(start, end) == "month"
        assert stats.trend_of(*facts.daily(conn, start, end, monthly), start, end) == stats.trend(docs, start, end)
        assert stats.finish_voice(facts.voice(conn, start, end, today)) == \
            stats.voice_figures(queues.for_period(conn, date(2000, 1, 1), today), start, end, today)


def test_the_sums_equal_the_recomputation_for_every_grouping_and_period(county):
    conn, today, held, told = county
    decided = conn.execute("SELECT COUNT(*) FROM app_facts WHERE decided_on IS NOT NULL").fetchone()[0]
    rated = conn.execute("SELECT COUNT(*) FROM app_ratings").fetchone()[0]
    assert len(told) > 300 and decided > 100 and rated > 30  # a history worth comparing
    _same(conn, today)


def test_late_events_replay_the_projection_and_its_facts(county):
    conn, today, held, told = county
    assert held
    with transaction(conn):
        for event in held:
            applications.ingest(conn, event, trusted=True, route=False)
    _same(conn, today)


def test_withdrawn_and_escalated_cases_count_as_the_recomputation_counts_them(county):
    from common.hlc import Clock
    conn, today, held, told = county
    open_ = conn.execute("SELECT id, custody, state FROM applications WHERE length(custody) = 9"
                         " AND state IN ('received', 'accepted') ORDER BY id").fetchall()
    assert len(open_) >= 4
    for app_id, custody, state in open_[:2]:  # withdrawn at the township that holds it
        applications.append(conn, Clock(custody), custody, app_id, "withdrawn", "window", {"reason": "申请人撤回"})
    for app_id, custody, state in open_[2:4]:  # escalated to the county, then answered
        applications.append(conn, Clock(custody), custody, app_id, "escalated", "window", {"reason": "政策不明确"})
        applications.append(conn, Clock("371399"), "371399", app_id, "received", "system")  # custody up
        applications.append(conn, Clock("371399"), "371399", app_id, "escalation_answered", "reviewer",
                            {"resolution": "returned", "answer": "按现行政策办理"})
    assert conn.execute("SELECT COUNT(*) FROM app_facts WHERE state = 'withdrawn'").fetchone()[0] >= 2
    _same(conn, today)


def test_a_calendar_change_moves_the_stored_deadlines_and_working_days(county):
    conn, today, held, told = county
    cal = cal_store.load(conn)
    busy = today - timedelta(days=20)
    while not cal.is_workday(busy):
        busy -= timedelta(days=1)
    before = conn.execute("SELECT SUM(working_days) FROM app_facts").fetchone()[0]
    cal_store.set_day(conn, busy, "holiday", "临时调休")  # a working day in the middle of many cases
    assert conn.execute("SELECT SUM(working_days) FROM app_facts").fetchone()[0] < before
    _same(conn, today)
    cal_store.clear_day(conn, busy)
    assert conn.execute("SELECT SUM(working_days) FROM app_facts").fetchone()[0] == before
    _same(conn, today)


def test_the_migration_back_fills_a_database_made_before_the_facts(county):
    conn, today, held, told = county
    with transaction(conn):  # the database as the previous version left it
        conn.execute("DROP TABLE app_facts")
        conn.execute("DROP TABLE app_ratings")
        conn.execute("DROP TABLE app_awaiting")
        conn.execute("DROP TABLE app_rollup")
        conn.execute("DROP TABLE app_rating_rollup")
        conn.execute("DELETE FROM schema_migrations WHERE name = '0020_app_facts'")
    assert migrate(conn, migrations_for(load_tier("county"))) == ["0020_app_facts"]
    _same(conn, today)


def test_staff_find_a_case_by_tracking_code_or_id_number(county):
    conn, today, held, told = county
    doc = applications.get(conn, told[5][1].doc["id"])
    assert [d["id"] for d in applications.find(conn, doc["tracking_code"].lower())] == [doc["id"]]
    mine = applications.find(conn, doc["applicant"]["id_number"])
    assert doc["id"] in [d["id"] for d in mine]
    assert applications.find(conn, "1" * 18) == []
    plan = " ".join(r[3] for r in conn.execute("EXPLAIN QUERY PLAN SELECT doc FROM applications"
                                               " WHERE applicant_id_number = ?", ("x",)))
    assert "applications_applicant" in plan



def test_a_period_splits_into_whole_months_and_the_days_at_either_end():
    from common.store.rollups import split
    d = date
    assert split(d(2026, 3, 1), d(2026, 3, 31)) == ("2026-03", "2026-03", [])
    assert split(d(2026, 3, 2), d(2026, 5, 30)) == ("2026-04", "2026-04", [(d(2026, 3, 2), d(2026, 3, 31)),
                                                                           (d(2026, 5, 1), d(2026, 5, 30))])
    assert split(d(2026, 3, 2), d(2026, 3, 30)) == (None, None, [(d(2026, 3, 2), d(2026, 3, 30))])
    assert split(d(2026, 12, 15), d(2027, 2, 28)) == ("2027-01", "2027-02", [(d(2026, 12, 15), d(2026, 12, 31))])
    assert split(d(2024, 2, 1), d(2024, 2, 29)) == ("2024-02", "2024-02", [])


def test_the_countys_calendar_arriving_in_a_batch_moves_deadlines_with_the_new_calendar(county):
    # A township applies the county's calendar inside a sync batch whose transaction may already
    # hold the old calendar: the deadlines it writes again must use the new one.
    conn, today, held, told = county
    app_id = conn.execute("SELECT app_id FROM app_facts WHERE decided_on IS NULL AND due_on > ?"
                          " ORDER BY due_on LIMIT 1", (today.isoformat(),)).fetchone()[0]
    due = date.fromisoformat(applications.get(conn, app_id)["due_on"])
    cal = cal_store.load(conn)
    day = today + timedelta(days=1)
    while not cal.is_workday(day):
        day += timedelta(days=1)
    snap = cal_store.snapshot(conn)
    snap["version"] += 1
    snap["days"] = snap["days"] + [{"day": day.isoformat(), "kind": "holiday", "name": "临时"}]
    with transaction(conn):
        cal_store.load_cached(conn)  # the batch read the old calendar first
        assert cal_store.replace(conn, snap)
    moved = date.fromisoformat(applications.get(conn, app_id)["due_on"])
    assert moved > due, "the deadline was written again with the old calendar"
    assert conn.execute("SELECT due_on FROM app_facts WHERE app_id = ?", (app_id,)).fetchone()[0] == moved.isoformat()
