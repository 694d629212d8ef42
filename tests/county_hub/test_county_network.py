"""The county with real node processes (issue 6): department routing, joint approval, escalation answered."""
import base64
import io
import json

import pytest

from common.node import open_db
from tests.helpers import wait_for
from tests.sync.netutil import NodeProcess, make_network, submit_many
from tests.township_node.test_window_network import Staff, add_staff, state_at, web

C, T, V = "371399", "371399101", "371399101001"
JOINT = {"planning": "ZR", "construction": "ZJ", "environment": "HB", "soil": "SL"}


@pytest.fixture(scope="module")
def net(tmp_path_factory):
    net = make_network(tmp_path_factory.mktemp("county-net"), villages=1)
    add_staff(net["county"], "county", [(f"{d.lower()}1", [f"county_approver:{d}"]) for d in ("RS", "ZJ", "ZR", "HB", "SL")]
              + [("rev1", ["county_reviewer"]), ("sup1", ["supervisor"])])
    add_staff(net[T], "township", [("win1", ["township_staff"])])
    procs = {code: NodeProcess(cfg).start() for code, cfg in net.items()}
    yield net, procs
    for p in procs.values():
        p.stop()


def county(procs, user):
    return Staff(web(procs["county"]), user)


def escalated(net, procs, form, reason):
    """A village's MZ-002 application, escalated by the township and in the county's review; its id."""
    [app_id] = submit_many(net[V], 1, item="MZ-002", form=form)
    wait_for(lambda: state_at(net[T], app_id) == "received", timeout=60, what="at the township")
    assert Staff(web(procs[T]), "win1").act(app_id, "escalated", reason=reason).status_code == 200
    wait_for(lambda: state_at(net["county"], app_id) == "escalation_review", timeout=60, what="in review")
    return app_id


def test_a_village_application_is_routed_to_its_department_and_the_outcome_comes_back(net):
    net, procs = net
    [app_id] = submit_many(net[V], 1)  # RS-003, the social security card: 人社局 decides
    wait_for(lambda: state_at(net["county"], app_id) == "forwarded", timeout=60, what="at the county")
    rs, zj = county(procs, "rs1"), county(procs, "zj1")
    assert [r["id"] for r in rs.get("/api/v1/county/inbox").json()["applications"]] == [app_id]
    assert zj.get("/api/v1/county/inbox").json()["applications"] == []
    assert zj.act(app_id, "accepted").status_code == 403  # another department's case
    assert rs.act(app_id, "accepted").status_code == 200
    assert rs.act(app_id, "step_passed:review").status_code == 403  # the only step: passed with the decision
    assert rs.act(app_id, "approved:review").status_code == 200
    wait_for(lambda: state_at(net[V], app_id) == "approved", timeout=60, what="the outcome at the village")


def test_a_joint_approval_across_four_departments_in_parallel(net, tmp_path):
    from PIL import Image
    net, procs = net
    win = Staff(web(procs[T]), "win1")
    scan = io.BytesIO()
    Image.new("RGB", (600, 400), (90, 90, 90)).save(scan, "JPEG")
    r = win.s.post(win.url + "/api/v1/window/walk-ins", headers={"X-CSRF-Token": win.token}, timeout=30, json={
        "item": "ZJ-003", "applicant": {"name": "周九", "id_number": "11010519440119002X", "phone": "13800001111",
                                     "company": "示范县东岭建筑工程有限公司", "uscc": "91350100M000100Y43", "legal_rep": "周九"},
        "form": {"project_name": "村民活动中心", "floor_area": "800"},
        "scans": {str(i): base64.b64encode(scan.getvalue()).decode() for i in range(4)}})
    assert r.status_code == 201, r.text
    app_id = r.json()["application"]["id"]
    wait_for(lambda: state_at(net["county"], app_id) == "accepted", timeout=60, what="one-window case at the county")
    zj = county(procs, "zj1")
    assert zj.act(app_id, "step_passed:intake").status_code == 200
    page = zj.s.get(zj.url + f"/cases/{app_id}", timeout=10).text
    assert page.count("本环节 5 个工作日") == 4  # each branch shows its own deadline
    approvers = {dept: county(procs, f"{dept.lower()}1") for dept in JOINT.values()}
    for step, dept in JOINT.items():  # each department sees its own branch, and only that one
        inbox = approvers[dept].get("/api/v1/county/inbox").json()["applications"]
        assert [r["id"] for r in inbox] == [app_id] and dept in inbox[0]["awaiting"]
        offered = [a.get("step") for a in approvers[dept].get(f"/api/v1/cases/{app_id}").json()["actions"]
                   if a["action"] == "step_passed"]
        assert offered == [step], (dept, offered)
    assert approvers["ZR"].act(app_id, "step_passed:environment").status_code == 403
    for step, dept in JOINT.items():
        assert approvers[dept].act(app_id, f"step_passed:{step}").status_code == 200
    detail = zj.get(f"/api/v1/cases/{app_id}").json()
    assert [a.get("step") for a in detail["actions"] if a["action"] == "approved"] == ["issue"]
    assert zj.act(app_id, "approved:issue").status_code == 200
    wait_for(lambda: state_at(net[T], app_id) == "approved", timeout=60, what="the outcome back at the window")


def test_an_escalation_is_answered_by_the_county_reviewer(net):
    net, procs = net
    app_id = escalated(net, procs, {"reason": "火灾", "amount": "800"}, "超权限")
    rev = county(procs, "rev1")
    assert [r["id"] for r in rev.get("/api/v1/county/escalations").json()["applications"]] == [app_id]
    assert rev.act(app_id, "escalation_answered:returned", answer="请乡镇按规定办理").status_code == 200
    wait_for(lambda: state_at(net[T], app_id) == "received", timeout=60, what="the answer at the township")


def test_the_county_sees_every_village_link_through_its_township(net):
    from tests.sync.netutil import count
    net, procs = net
    county_cfg = net["county"]
    up = "SELECT COUNT(*) FROM sync_subtree WHERE node = ? AND reporter = ? AND state = 'up'"
    wait_for(lambda: count(county_cfg, up, V, T) == 1, timeout=30, what="the village reported up")
    sup = county(procs, "sup1")
    assert V in sup.s.get(sup.url + "/dashboard", timeout=10).text
    procs[V].stop()
    down = "SELECT COUNT(*) FROM sync_subtree WHERE node = ? AND state = 'down'"
    wait_for(lambda: count(county_cfg, down, V) == 1, timeout=45, what="the village reported down")
    procs[V].start()


def test_an_escalated_case_the_county_takes_is_decided_by_its_reviewer(net):
    net, procs = net
    wait_for(lambda: procs[V].alive(), what="village up")
    app_id = escalated(net, procs, {"reason": "突发疾病", "amount": "3000"}, "重大疾病")
    rev = county(procs, "rev1")
    assert rev.act(app_id, "escalation_answered:taken", answer="县民政局直接办理").status_code == 200
    # Another department's approver has nothing to do with it, and cannot even open it (least privilege).
    assert county(procs, "rs1").get(f"/api/v1/cases/{app_id}").status_code == 403
    assert [r["id"] for r in rev.get("/api/v1/county/escalations").json()["taken"]] == [app_id]
    for action in ("accepted", "step_passed:review", "approved:approve"):
        assert rev.act(app_id, action).status_code == 200, action
    assert rev.get("/api/v1/county/escalations").json()["taken"] == []  # decided: off the reviewer's list
    for cfg in (net[T], net[V]):
        wait_for(lambda cfg=cfg: state_at(cfg, app_id) == "approved", timeout=60, what="the county's decision below")


def test_an_escalation_routed_to_a_department_is_decided_there_and_the_answer_flows_down(net):
    net, procs = net
    wait_for(lambda: procs[V].alive(), what="village up")
    app_id = escalated(net, procs, {"reason": "自然灾害", "amount": "4000", "detail": "房屋倒塌"}, "涉及住房安全，需住建部门认定")
    rev, zj, rs = county(procs, "rev1"), county(procs, "zj1"), county(procs, "rs1")
    offered = rev.get(f"/api/v1/cases/{app_id}").json()["actions"]
    assert {"action": "escalation_answered", "resolution": "routed", "department": "MZ"} in offered
    r = rev.act(app_id, "escalation_answered", resolution="routed", department="NOPE", answer="x")
    assert r.status_code == 400 and r.json()["fields"]["department"]
    assert rev.act(app_id, "escalation_answered", resolution="routed", department="ZJ",
                   answer="转县住建局认定后办理").status_code == 200
    assert rev.get(f"/api/v1/cases/{app_id}").json()["actions"] == []  # the department's now, not the reviewer's
    assert rs.get(f"/api/v1/cases/{app_id}").status_code == 403  # another department's: not even opened
    assert app_id in [a["id"] for a in zj.get("/api/v1/county/inbox").json()["applications"]]
    assert app_id not in [a["id"] for a in rs.get("/api/v1/county/inbox").json()["applications"]]
    for cfg in (net[T], net[V]):  # the answer reaches the township and the village
        wait_for(lambda cfg=cfg: _escalation_at(cfg, app_id).get("resolution") == "routed", timeout=60,
                 what="the routing below")
    assert _escalation_at(net[V], app_id)["answer"] == "转县住建局认定后办理"
    for action in ("accepted", "step_passed:review", "approved:approve"):
        assert zj.act(app_id, action).status_code == 200, action
    accepted = [e for e in zj.get(f"/api/v1/cases/{app_id}").json()["events"] if e["type"] == "accepted"]
    assert accepted and accepted[0]["actor"] == "zj1"
    for cfg in (net[T], net[V]):
        wait_for(lambda cfg=cfg: state_at(cfg, app_id) == "approved", timeout=60, what="the department's decision below")


def _escalation_at(cfg, app_id):
    conn = open_db(cfg)
    try:
        row = conn.execute("SELECT doc FROM applications WHERE id = ?", (app_id,)).fetchone()
        return (json.loads(row[0]).get("escalation") or {}) if row else {}
    finally:
        conn.close()
