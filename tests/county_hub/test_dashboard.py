"""Dashboard figures against a hand-computed fixture, the SVG chart, CSV and the page."""
import csv
import io
import re
from datetime import date

import requests

from common import accounts
from common.node import open_db
from common.tiers import load_tier
from common.workcal import WorkCalendar
from common.domain import stats
from common.web import charts
from tests.helpers import ADMIN_PASSWORD, LiveServer, login, make_node

MARCH = (date(2026, 3, 1), date(2026, 3, 31))
CAL = WorkCalendar({}, published_years=[2026])  # weekdays only: the counts below are by hand


def case(dept, origin, submitted, accepted=None, due=None, decided=None, paused=0, outcome="approved", rated=None):
    return {"item": {"code": f"{dept}-001", "department": dept}, "origin": origin, "submitted_on": submitted,
            "accepted_on": accepted, "due_on": due, "paused_days": paused,
            "decision": {"outcome": outcome, "on": decided} if decided else None,
            "rating": {"level": rated[0], "on": rated[1]} if rated else None}


FIXTURE = [
    # 民政 (MZ): three completed in March, one only received.
    case("MZ", "371399101001", "2026-03-02", "2026-03-02", "2026-03-16", "2026-03-10"),      # early; 6 wd
    case("MZ", "371399101001", "2026-03-02", "2026-03-03", "2026-03-17", "2026-03-17"),      # on the day; 10 wd
    case("MZ", "371399102003", "2026-03-04", "2026-03-04", "2026-03-20", "2026-03-20", 2),   # on time after 2 paused; 12-2
    case("MZ", "371399101", "2026-03-30"),                                                     # a walk-in, just received
    # 人社 (RS): two completed, too few to rank with min_sample 3.
    case("RS", "371399101002", "2026-03-02", "2026-03-02", "2026-03-16", "2026-03-05"),      # early; 3 wd
    case("RS", "371399101002", "2026-02-20", "2026-02-23", "2026-03-09", "2026-03-02"),      # early; 5 wd; only decided in March
    case("RS", "371399101002", "2026-01-05", "2026-01-05", "2026-01-19", "2026-01-16"),      # all before March
]


def test_figures_match_the_hand_computed_fixture():
    rows = {r["key"]: r for r in stats.figures(FIXTURE, CAL, *MARCH, "department", min_sample=3)}
    assert {k: rows["MZ"][k] for k in ("received", "accepted", "completed", "on_time", "early", "ranked")} == \
        {"received": 4, "accepted": 3, "completed": 3, "on_time": 3, "early": 1, "ranked": True}
    assert rows["MZ"]["on_time_rate"] == 1.0 and rows["MZ"]["early_rate"] == 0.3333
    assert rows["MZ"]["avg_working_days"] == round((6 + 10 + 10) / 3, 2)
    assert {k: rows["RS"][k] for k in ("received", "accepted", "completed", "on_time", "early", "ranked")} == \
        {"received": 1, "accepted": 1, "completed": 2, "on_time": 2, "early": 2, "ranked": False}
    assert rows["RS"]["on_time_rate"] is None and rows["RS"]["avg_working_days"] == 4.0
    total = stats.totals(list(rows.values()))
    assert total == {"received": 5, "accepted": 4, "completed": 5, "on_time": 5, "early": 3, "on_time_rate": 1.0,
                     "early_rate": 0.6, "rated": 0, "satisfied": 0, "bad": 0, "satisfaction_rate": None}
    towns = {r["key"]: r for r in stats.figures(FIXTURE, CAL, *MARCH, "township", min_sample=3)}
    assert towns["371399101"]["completed"] == 4 and towns["371399101"]["early_rate"] == 0.75
    assert towns["371399102"]["ranked"] is False
    villages = {r["key"] for r in stats.figures(FIXTURE, CAL, *MARCH, "village")}
    assert villages == {"371399101001", "371399102003", "371399101002"}  # the walk-in has no village
    late = case("MZ", "371399101001", "2026-03-02", "2026-03-02", "2026-03-05", "2026-03-06")
    assert stats.figures([late], CAL, *MARCH, min_sample=1)[0]["on_time_rate"] == 0.0


def test_ratings_are_counted_by_the_day_they_were_given():
    rated = [
        case("MZ", "371399101001", "2026-03-02", "2026-03-02", "2026-03-16", "2026-03-10", rated=(5, "2026-03-11")),
        case("MZ", "371399101001", "2026-03-02", "2026-03-03", "2026-03-17", "2026-03-17", rated=(2, "2026-03-18")),
        case("MZ", "371399102003", "2026-03-04", "2026-03-04", "2026-03-20", "2026-03-20", rated=(3, "2026-03-23")),
        case("MZ", "371399102003", "2026-02-02", "2026-02-02", "2026-02-16", "2026-02-27", rated=(1, "2026-02-27")),
    ]
    mz = stats.figures(rated, CAL, *MARCH, "department", min_sample=3)[0]
    assert (mz["rated"], mz["satisfied"], mz["bad"]) == (3, 2, 1)  # February's rating is not March's
    assert mz["satisfaction_rate"] == 0.6667
    assert stats.figures(rated, CAL, *MARCH, "department", min_sample=4)[0]["satisfaction_rate"] is None
    total = stats.totals([mz])
    assert (total["rated"], total["bad"], total["satisfaction_rate"]) == (3, 1, 0.6667)


def test_ratings_by_office_and_staff_count_every_rating_of_the_period():
    def rated(*given):
        doc = case("MZ", "371399101001", "2026-02-02", "2026-02-02", "2026-02-16", "2026-02-27")
        doc["ratings"] = [{"level": lv, "on": on, "office": office, "staff": staff, "channel": ch}
                          for lv, on, office, staff, ch in given]
        return doc
    docs = [rated((5, "2026-03-02", "371399101", "win1", "window"), (1, "2026-03-03", "371399", "mz_a", "kiosk")),
            rated((2, "2026-03-09", "371399101", "win1", "window")),
            rated((4, "2026-03-10", "371399101", "win2", "window"), (3, "2026-02-27", "371399101", "win2", "kiosk")),
            rated((4, "2026-03-31", "371399102", "win9", "window"))]
    office = {r["key"]: r for r in stats.rating_figures(docs, *MARCH, "office", min_sample=2)}
    assert {k: (r["rated"], r["satisfied"], r["bad"], r["satisfaction_rate"]) for k, r in office.items()} == {
        "371399101": (3, 2, 1, 0.6667), "371399": (1, 0, 1, None), "371399102": (1, 1, 0, None)}
    staff = stats.rating_figures(docs, *MARCH, "staff", min_sample=2)
    assert [(r["key"], r["rated"], r["satisfaction_rate"]) for r in staff] == [
        ("win1", 2, 0.5), ("mz_a", 1, None), ("win2", 1, None), ("win9", 1, None)]  # worst rated first
    # the department's figures count both channels' ratings too (February's is not March's)
    mz = stats.figures(docs, CAL, *MARCH, "department", min_sample=1)[0]
    assert (mz["rated"], mz["bad"]) == (5, 2)


def test_ranked_groups_come_first_and_the_chart_is_svg():
    rows = stats.figures(FIXTURE, CAL, *MARCH, "department", min_sample=3)
    assert [r["key"] for r in rows] == ["MZ", "RS"]
    svg = str(charts.bar_chart(rows, "on_time_rate", "按期办结率"))
    assert svg.startswith("<svg") and 'role="img"' in svg and "100.0%" in svg and svg.count("<rect") == 1


def test_two_villages_of_one_township_are_told_apart_by_name_with_the_code_on_hover():
    rows = [{"key": "371399101001", "name": "东岭村", "on_time_rate": 1.0},
            {"key": "371399101002", "name": "西岭村", "on_time_rate": 0.5},
            {"key": "371399101003", "name": "371399101003", "on_time_rate": 0.25},  # nobody named it yet
            {"key": "371399101004", "name": "石桥镇东岭村第一村民小组联络点", "on_time_rate": 0.1}]
    svg = str(charts.bar_chart(rows, "on_time_rate", "按期办结率"))
    labels = re.findall(r'font-size="(\d+)">([^<%]+)</text>', svg)
    assert [t for _, t in labels] == ["东岭村", "西岭村", "371399101003", "石桥镇东岭村第一村民小…"]  # whole codes, never cut
    assert {int(size) for size in re.findall(r'font-size="(\d+)"', svg)} == {14}
    assert "<title>东岭村 371399101001 100.0%</title>" in svg and "<title>371399101003 25.0%</title>" in svg
    assert "<title>石桥镇东岭村第一村民小组联络点 371399101004 10.0%</title>" in svg
    weeks = [{"period": "2026-03-02", "received": 3, "completed": 1}]
    volume = str(charts.column_chart(weeks, [("received", "收件", charts.BLUE)], "收件"))
    assert {int(size) for size in re.findall(r'font-size="(\d+)"', volume)} == {14}  # 12 px was too small


def test_the_dashboard_opens_on_this_month_against_the_whole_previous_month():
    p = stats.choose_period(date(2026, 12, 3))
    assert p == {"choice": "month", "start": date(2026, 12, 1), "end": date(2026, 12, 3),
                 "prev_start": date(2026, 11, 1), "prev_end": date(2026, 11, 30)}
    assert stats.choose_period(date(2026, 3, 31), "last_month") == {
        "choice": "last_month", "start": date(2026, 2, 1), "end": date(2026, 2, 28),
        "prev_start": date(2026, 1, 1), "prev_end": date(2026, 1, 31)}
    assert stats.choose_period(date(2026, 1, 15), "last_month")["prev_start"] == date(2025, 11, 1)
    q = stats.choose_period(date(2026, 8, 20), "quarter")
    assert (q["start"], q["prev_start"], q["prev_end"]) == (date(2026, 7, 1), date(2026, 4, 1), date(2026, 6, 30))
    y = stats.choose_period(date(2026, 8, 20), "year")
    assert (y["start"], y["prev_start"], y["prev_end"]) == (date(2026, 1, 1), date(2025, 1, 1), date(2025, 12, 31))
    c = stats.choose_period(date(2026, 8, 20), start=date(2026, 3, 1), end=date(2026, 3, 31))
    assert (c["choice"], c["prev_start"], c["prev_end"]) == ("custom", date(2026, 1, 29), date(2026, 2, 28))
    from common.web import figures
    assert figures.period({}, date(2026, 12, 3))["start"] == date(2026, 12, 1)
    assert figures.period({"period": "last_month", "from": "2020-01-01"}, date(2026, 12, 3))["start"] == date(2026, 11, 1)


def test_the_csv_speaks_the_readers_language_with_yes_and_no():
    from common.web import figures
    rows = [{"key": "371399101001", "name": "东岭村", "received": 3, "accepted": 3, "completed": 2, "on_time": 2,
             "early": 1, "on_time_rate": None, "early_rate": None, "avg_working_days": 4.5, "rated": 0, "bad": 0,
             "satisfaction_rate": None, "ranked": False},
            {"key": "371399101002", "name": "西岭村", "received": 9, "accepted": 9, "completed": 6, "on_time": 6,
             "early": 3, "on_time_rate": 1.0, "early_rate": 0.5, "avg_working_days": 2.0, "rated": 5, "bad": 1,
             "satisfaction_rate": 0.8, "ranked": True}]
    zh = figures.csv_table(rows, "village", "zh")
    assert zh[0] == ["代码", "村", "收件", "受理", "办结", "按期办结", "提前办结", "按期办结率", "提前办结率",
                     "平均用时（工作日）", "评价数", "差评", "满意率", "参与排名"]
    assert zh[1][-1] == "否" and zh[2][-1] == "是" and zh[1][7] == "" and zh[1][:2] == ["371399101001", "东岭村"]
    en = figures.csv_table(rows, "village", "en")
    assert en[0][:3] == ["Code", "Village", "Received"] and en[0][-1] == "Ranked"
    assert (en[1][-1], en[2][-1]) == ("no", "yes")


def test_volumes_per_period_match_the_fixture_by_hand():
    assert stats.bucket_size(*MARCH) == "day"
    assert stats.bucket_size(date(2026, 1, 1), date(2026, 3, 31)) == "week"
    assert stats.bucket_size(date(2026, 1, 1), date(2026, 12, 31)) == "month"
    weeks = stats.trend(FIXTURE, *MARCH, size="week")
    # March 2026 starts on a Sunday: its first week is named by Monday 23 February.
    assert [w["period"] for w in weeks] == ["2026-02-23", "2026-03-02", "2026-03-09", "2026-03-16", "2026-03-23",
                                            "2026-03-30"]
    by = {w["period"]: (w["received"], w["completed"], w["on_time"]) for w in weeks}
    assert by == {"2026-02-23": (0, 0, 0), "2026-03-02": (4, 2, 2), "2026-03-09": (0, 1, 1),
                  "2026-03-16": (0, 2, 2), "2026-03-23": (0, 0, 0), "2026-03-30": (1, 0, 0)}
    quarter = stats.trend(FIXTURE, date(2026, 1, 1), date(2026, 3, 31))
    assert len(quarter) == 14 and quarter[0]["period"] == "2025-12-29"  # Mondays 29 Dec … 30 Mar
    by_month = stats.trend(FIXTURE, date(2026, 1, 1), date(2026, 3, 31), size="month")
    assert [(m["period"], m["received"], m["completed"]) for m in by_month] == \
        [("2026-01-01", 1, 1), ("2026-02-01", 1, 0), ("2026-03-01", 5, 5)]
    days = stats.trend(FIXTURE, *MARCH)
    assert len(days) == 31 and sum(d["received"] for d in days) == 5 and sum(d["completed"] for d in days) == 5
    svg = str(charts.column_chart(weeks, [("received", "收件", charts.BLUE), ("completed", "办结", charts.GREEN)], "收件与办结"))
    assert svg.startswith("<svg") and svg.count("<rect") == 6 * 2 + 2  # two columns a week and the legend
    assert "<title>2026-03-02 收件 4</title>" in svg and 'aria-label="收件与办结"' in svg
    assert [charts.nice_step(n) for n in (1, 5, 6, 11, 26, 101, 4000)] == [1, 1, 2, 5, 10, 50, 1000]
    assert [int(x) for x in re.findall(r'text-anchor="end">(\d+)<', svg)] == [0, 1, 2, 3, 4]  # 4 at most a week


def test_the_dashboard_page_csv_and_api(tmp_path):
    cfg = make_node(tmp_path, "county")
    conn = open_db(cfg)
    accounts.add_user(conn, "county", "sup1", "监察", ADMIN_PASSWORD, ["supervisor"])
    conn.close()
    with LiveServer(load_tier("county").create_app(cfg)) as srv:
        s = requests.Session()
        login(s, srv.url, "sup1")
        page = s.get(srv.url + "/dashboard", timeout=10)
        assert page.status_code == 200 and "按期办结率" in page.text and "<svg" in page.text
        r = s.get(srv.url + "/dashboard.csv", params={"group": "township"}, timeout=10)
        assert r.headers["Content-Type"].startswith("text/csv")
        assert next(csv.reader(io.StringIO(r.text.lstrip("\ufeff"))))[:3] == ["代码", "乡镇", "收件"]
        body = s.get(srv.url + "/api/v1/dashboard", params={"from": "2026-03-01", "to": "2026-03-31"}, timeout=10).json()
        assert body["group"] == "department" and body["totals"]["completed"] == 0
        assert body["period"] == "custom" and body["previous"]["from"] == "2026-01-29"
        # The columns run across the comparison period too: 29 January to 31 March, by week.
        assert body["trend"]["bucket"] == "week" and body["trend"]["periods"][0]["period"] == "2026-01-26"
        assert body["trend"]["periods"][-1]["period"] == "2026-03-30"
        assert body["ratings"] == {"office": [], "staff": []}
        assert 'id="ratings-office"' in page.text and 'id="ratings-staff"' in page.text and "按窗口和工作人员" in page.text
        assert page.text.count("<svg") == 3 and "提前办结率" in page.text and "收件与办结" in page.text
        for bad in ({"from": "March"}, {"group": "planet"}, {"from": "2026-04-01", "to": "2026-03-01"}):
            assert s.get(srv.url + "/api/v1/dashboard", params=bad, timeout=10).status_code == 400
        assert requests.get(srv.url + "/api/v1/dashboard", timeout=10).status_code == 401


def test_a_case_decided_before_the_period_counts_for_a_rating_given_in_it(tmp_path):
    """The period's query keeps cases finished earlier when they were rated in the period."""
    from datetime import datetime, timezone
    from common.hlc import Clock
    from common.store import applications as apps, catalog as cat_store
    from common.store.db import transaction
    from county_hub import queues
    from tests.helpers import CODES
    from tests.village_kiosk.test_status import APPLICANT

    def at(day):
        ms = int(datetime.fromisoformat(day + "T10:00:00+08:00").astimezone(timezone.utc).timestamp() * 1000)
        return lambda: ms
    cfg = make_node(tmp_path, "township")
    conn = open_db(cfg)
    t, v = CODES["township"], CODES["village"]
    doc = apps.submit(conn, Clock(v, wall=at("2026-02-02")), v, "kiosk", cat_store.item(conn, "MZ-002"), APPLICANT,
                      {"reason": "突发疾病", "amount": "800"})
    with transaction(conn):
        clock = Clock(t, last=doc["last_hlc"], wall=at("2026-02-03"))
        for kind, payload in (("received", {}), ("accepted", {}), ("step_passed", {"step": "review"}),
                              ("step_passed", {"step": "approve"}), ("approved", {})):
            apps.append(conn, clock, t, doc["id"], kind, "head1", payload)
    assert queues.for_period(conn, *MARCH) == []
    apps.append(conn, Clock(v, last=clock.now(), wall=at("2026-03-05")), v, doc["id"], "rated", "kiosk",
                {"level": 1, "channel": "kiosk"})
    docs = queues.for_period(conn, *MARCH)
    assert [d["id"] for d in docs] == [doc["id"]]
    mz = stats.figures(docs, CAL, *MARCH, "department", min_sample=1)[0]
    assert (mz["received"], mz["completed"], mz["rated"], mz["bad"]) == (0, 0, 1, 1)
    assert stats.rating_figures(docs, *MARCH, "staff") == [
        {"key": "head1", "rated": 1, "satisfied": 0, "bad": 1, "satisfaction_rate": None}]
    conn.close()


def test_reply_rates_of_complaints_match_the_fixture_by_hand():
    def voice(submitted, due, answered=None, outcome="approved"):
        doc = case("RX", "371399101001", submitted, submitted, due, answered, outcome=outcome)
        doc["item"]["case_type"], doc["state"] = "voice", "approved" if answered else "in_review"
        return doc
    docs = [voice("2026-03-02", "2026-03-16", "2026-03-10"),   # received and answered in March, on time
            voice("2026-03-05", "2026-03-19", "2026-03-20"),   # answered a day late
            voice("2026-03-20", "2026-04-03"),                  # open, not yet due on 03-31
            voice("2026-03-02", "2026-03-16"),                  # open and overdue
            voice("2026-02-20", "2026-03-06", "2026-03-04"),   # February's, answered in March on time
            case("MZ", "371399101001", "2026-03-02", "2026-03-02", "2026-03-16", "2026-03-10")]  # not a complaint
    v = stats.voice_figures(docs, *MARCH)
    assert (v["received"], v["replied_of_received"], v["answered"], v["answered_on_time"], v["open"], v["overdue"]) == \
        (4, 2, 3, 2, 2, 1)
    assert v["reply_rate"] == 0.5 and v["on_time_reply_rate"] == 0.6667
    assert stats.voice_figures([], *MARCH)["reply_rate"] is None
