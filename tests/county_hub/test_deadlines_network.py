"""Deadlines on a controllable clock with real node processes (issue 6): every node of the network reads
one clock file, the test moves the business date, and the county's sweep and deadlines follow it."""
import json
from datetime import date, timedelta

import pytest
import requests

from common.node import open_db
from common.store import calendar as cal_store
from tests.county_hub.test_consult_network import Kiosk
from tests.helpers import wait_for
from tests.sync.netutil import NodeProcess, make_network
from tests.township_node.test_window_network import Staff, add_staff, state_at, web
from tests.village_kiosk.test_api import GOOD, upload

C, T, V = "371399", "371399101", "371399101001"
START = date(2026, 12, 1)  # a Tuesday in a month without holidays


@pytest.fixture(scope="module")
def drill(tmp_path_factory):
    root = tmp_path_factory.mktemp("drill-net")
    clock_file = root / "business-date"
    clock_file.write_text(START.isoformat())
    net = make_network(root, villages=1)
    add_staff(net["county"], "county", [("rs1", ["county_approver:RS"]), ("sup1", ["supervisor"])])
    procs = {code: NodeProcess(cfg, env={"SANJI_CLOCK_FILE": str(clock_file)}).start() for code, cfg in net.items()}
    yield net, procs, clock_file
    for p in procs.values():
        p.stop()


def calendar(cfg):
    conn = open_db(cfg)
    try:
        return cal_store.load_cached(conn)
    finally:
        conn.close()


def accepted_at_county(net, procs, on):
    """A village applies for RS-003 through its API on ON; the county's 人社 approver accepts it. (id, code, rs)."""
    village = web(procs[V])
    body = {"item": "RS-003", "applicant": GOOD, "form": {"delivery": "县政务服务中心领取"},
            "materials": [{"sha256": upload(village, (40 * i, 90, 30)), "material": i} for i in range(2)]}
    r = requests.post(village + "/api/v1/applications", json=body, timeout=30)
    assert r.status_code == 201, r.text
    app_id, code = r.json()["id"], r.json()["tracking_code"]
    wait_for(lambda: state_at(net["county"], app_id) == "forwarded", timeout=60, what="at the county")
    rs = Staff(web(procs["county"]), "rs1")
    assert rs.act(app_id, "accepted").status_code == 200
    doc = rs.get(f"/api/v1/cases/{app_id}").json()["application"]
    assert doc["accepted_on"] == on.isoformat() and doc["submitted_on"] == on.isoformat()
    return app_id, code, rs


def case(staff, app_id):
    return staff.get(f"/api/v1/cases/{app_id}").json()["application"]


def test_a_supplement_round_moves_the_deadline_by_exactly_the_paused_working_days(drill):
    net, procs, clock_file = drill
    clock_file.write_text(START.isoformat())
    cal = calendar(net["county"])
    app_id, code, rs = accepted_at_county(net, procs, START)
    before = date.fromisoformat(case(rs, app_id)["due_on"])
    assert before == cal.add_working_days(START, 10)  # RS-003 promises 10 working days

    clock_file.write_text("2026-12-03")  # Thursday: the approver asks for a clearer photo
    assert rs.act(app_id, "supplement_requested", reason="照片模糊", missing=["本人近期免冠照片"]).status_code == 200
    assert case(rs, app_id)["due_on"] is None  # paused while documents are awaited
    wait_for(lambda: state_at(net[V], app_id) == "supplement", timeout=60, what="the request at the village")

    clock_file.write_text("2026-12-08")  # the next Tuesday: the villager sends it from the kiosk
    village = web(procs[V])
    r = requests.post(village + "/api/v1/status/supplement", timeout=30,
                      json={"code": code, "last4": GOOD["phone"][-4:], "materials": [upload(village, (200, 10, 10))]})
    assert r.status_code == 200, r.text
    wait_for(lambda: state_at(net["county"], app_id) == "accepted", timeout=60, what="the supplement at the county")
    after = case(rs, app_id)
    assert after["paused_days"] == 3  # Friday, Monday, Tuesday
    assert after["due_on"] == cal.add_working_days(before, 3).isoformat()
    dates = {e["type"]: e["at"][:10] for e in rs.get(f"/api/v1/cases/{app_id}").json()["events"]}
    assert dates["supplement_requested"] == "2026-12-03" and dates["supplement_provided"] == "2026-12-08"


def test_the_sweep_raises_yellow_then_red_on_the_right_working_days(drill):
    net, procs, clock_file = drill
    clock_file.write_text("2026-12-09")  # never earlier than the test before: business time only moves on
    cal = calendar(net["county"])
    start = date(2026, 12, 9)
    app_id, _code, rs = accepted_at_county(net, procs, start)
    due = date.fromisoformat(case(rs, app_id)["due_on"])
    sup = Staff(web(procs["county"]), "sup1")

    def sweep_on(day):
        clock_file.write_text(day.isoformat())
        r = sup.s.post(sup.url + "/api/v1/supervision/sweep", headers={"X-CSRF-Token": sup.token}, timeout=30)
        assert r.status_code == 200, r.text
        return [e["note"] for e in sup.get(f"/api/v1/cases/{app_id}").json()["events"] if e["type"] == "warning_raised"]

    three_left = cal.add_working_days(start, 10 - 3)
    assert sweep_on(three_left) == []
    two_left = cal.add_working_days(three_left, 1)
    assert sweep_on(two_left) == ["yellow"]
    assert sweep_on(due) == ["yellow"]  # due today: still only yellow, recorded once
    day_after = due + timedelta(days=1)
    while not cal.is_workday(day_after):
        day_after += timedelta(days=1)
    assert sweep_on(day_after) == ["yellow", "red"]
    warned = [e for e in sup.get(f"/api/v1/cases/{app_id}").json()["events"] if e["type"] == "warning_raised"]
    assert [e["at"][:10] for e in warned] == [two_left.isoformat(), day_after.isoformat()]
    assert {e["actor"] for e in warned} == {"system:supervision"}
    wait_for(lambda: _warning_at(net[V], app_id) == "red", timeout=60, what="the red warning at the village")
    page = sup.get("/supervision").text
    assert "演练时钟" in page and day_after.isoformat() in page  # nobody mistakes a drill for real time


def _warning_at(cfg, app_id):
    conn = open_db(cfg)
    try:
        row = conn.execute("SELECT doc FROM applications WHERE id = ?", (app_id,)).fetchone()
        return row and json.loads(row[0]).get("warning")
    finally:
        conn.close()


def test_a_bad_rating_at_the_kiosk_opens_a_rectification_that_turns_red_when_overdue(drill):
    net, procs, clock_file = drill
    start = date(2026, 12, 28)  # later than the tests before: business time only moves on
    clock_file.write_text(start.isoformat())
    cal = calendar(net["county"])
    app_id, code, rs = accepted_at_county(net, procs, start)
    assert rs.act(app_id, "approved:review").status_code == 200  # the only step, and the decision
    wait_for(lambda: state_at(net[V], app_id) == "approved", timeout=60, what="the outcome at the village")
    kiosk = Kiosk(web(procs[V]), code)
    r = kiosk.s.post(kiosk.url + "/kiosk/status/rate", data={"level": "2", "csrf_token": kiosk.token}, timeout=10)
    assert r.url.endswith("/rate/why"), r.url
    r = kiosk.s.post(kiosk.url + "/kiosk/status/rate/why", data={"reason": "要的材料没讲清楚", "csrf_token": kiosk.token},
                     timeout=10)
    assert r.status_code == 200 and "会安排整改" in r.text
    wait_for(lambda: (case(rs, app_id).get("rectification") or {}).get("state") == "open", timeout=60,
             what="the rectification at the county")
    sup = Staff(web(procs["county"]), "sup1")
    due = cal.add_working_days(start, 5)
    late = due + timedelta(days=1)
    while not cal.is_workday(late):
        late += timedelta(days=1)
    clock_file.write_text(late.isoformat())
    assert sup.s.post(sup.url + "/api/v1/supervision/sweep", headers={"X-CSRF-Token": sup.token},
                      timeout=30).json()["raised"] >= 1
    assert case(rs, app_id)["rectification"]["warning"] == "red"
    page = sup.get("/supervision").text
    assert code in page and due.isoformat() in page and "要的材料没讲清楚" in page
    assert rs.act(app_id, "rectification_done").status_code == 400  # say what was done
    assert rs.act(app_id, "rectification_done", note="已约谈窗口，材料清单重新印发").status_code == 200
    assert case(rs, app_id)["rectification"]["state"] == "done"
    assert code not in sup.get("/supervision").text
    figures = sup.get("/api/v1/dashboard", **{"from": start.isoformat(), "to": late.isoformat()}).json()
    assert (figures["totals"]["rated"], figures["totals"]["bad"]) == (1, 1)
