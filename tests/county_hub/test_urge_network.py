"""督办 over real node processes (issue 20.11): a supervisor urges a township's overdue case at the county,
and the `urged` event reaches the township holding it, whose inbox marks it; nothing changes state."""
from datetime import date

import pytest
import requests

from common.node import open_db
from common.store import applications as apps
from tests.helpers import wait_for
from tests.sync.netutil import NodeProcess, make_network
from tests.township_node.test_window_network import Staff, add_staff, state_at, web
from tests.village_kiosk.test_api import GOOD, upload

C, T, V = "371399", "371399101", "371399101001"
START = date(2026, 12, 1)


@pytest.fixture(scope="module")
def drill(tmp_path_factory):
    root = tmp_path_factory.mktemp("urge-net")
    clock_file = root / "business-date"
    clock_file.write_text(START.isoformat())
    net = make_network(root, villages=1)
    add_staff(net["county"], "county", [("sup1", ["supervisor"])])
    add_staff(net[T], "township", [("win1", ["township_staff"])])
    procs = {code: NodeProcess(cfg, env={"SANJI_CLOCK_FILE": str(clock_file)}).start() for code, cfg in net.items()}
    yield net, procs, clock_file
    for p in procs.values():
        p.stop()


def doc_at(cfg, app_id):
    conn = open_db(cfg)
    try:
        return apps.get(conn, app_id)
    finally:
        conn.close()


def test_an_urge_at_the_county_reaches_the_township_holding_the_case(drill):
    net, procs, clock_file = drill
    village = web(procs[V])  # as the kiosk applies (its sync link is told at once)
    body = {"item": "MZ-001", "applicant": GOOD, "form": {"bank_account": "6222020200112233445"},
            "materials": [{"sha256": upload(village, (40 * i, 90, 30)), "material": i} for i in range(3)]}
    r = requests.post(village + "/api/v1/applications", json=body, timeout=30)
    assert r.status_code == 201, r.text
    app_id = r.json()["id"]
    wait_for(lambda: state_at(net[T], app_id) == "received", timeout=60, what="received at the township")
    win = Staff(web(procs[T]), "win1")
    assert win.act(app_id, "accepted").status_code == 200
    wait_for(lambda: state_at(net["county"], app_id) == "accepted", timeout=60, what="the acceptance at the county")

    sup = Staff(web(procs["county"]), "sup1")
    csrf = {"X-CSRF-Token": sup.token}
    body = {"kind": "duban", "note": "请于明日办结并说明超期原因"}
    early = sup.s.post(sup.url + f"/api/v1/supervision/urge/{app_id}", json=body, headers=csrf, timeout=10)
    assert early.status_code == 403  # no warning yet: nothing to urge
    clock_file.write_text("2026-12-31")  # a month on: well past MZ-001's promised days
    assert sup.s.post(sup.url + "/api/v1/supervision/sweep", headers=csrf, timeout=30).json()["raised"] >= 1
    assert doc_at(net["county"], app_id)["warning"] == "red"
    r = sup.s.post(sup.url + f"/api/v1/supervision/urge/{app_id}", json=body, headers=csrf, timeout=10)
    assert r.status_code == 200, r.text
    assert r.json()["texted"] is None  # a township's staff are not texted by the county
    assert r.json()["application"]["urged"]["office"] == T and r.json()["application"]["state"] == "accepted"

    def urged_at_township():
        return (doc_at(net[T], app_id).get("urged") or {}).get("kind")
    wait_for(lambda: urged_at_township() == "duban", timeout=60, what="the urge at the township")
    held = doc_at(net[T], app_id)
    assert held["state"] == "accepted" and held["urges"] == 1 and held["urged"]["by"] == "sup1"
    assert held["urged"]["note"] == body["note"]
    [row] = [x for x in win.get("/api/v1/window/applications").json()["applications"] if x["id"] == app_id]
    assert row["urged"]["kind"] == "duban"
    assert "⚑ 督办" in win.get("/").text
    case = win.get(f"/cases/{app_id}").text
    assert "电子监察督办" in case and body["note"] in case
    # The township goes on deciding as before: the urge changed no state.
    assert win.act(app_id, "step_passed:review").status_code == 200
