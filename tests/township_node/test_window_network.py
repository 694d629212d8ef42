"""The township with real node processes (issue 5): decisions with the county down, relays, escalation, access."""
from pathlib import Path

import pytest
import requests

from common import accounts
from common.errors import CustodyError
from common.hlc import Clock
from common.node import open_db
from common.store import applications as apps
from tests.helpers import ADMIN_PASSWORD, login, wait_for
from tests.sync.netutil import NodeProcess, count, make_network, submit_many

C, T, T2, V1, V2 = "371399", "371399101", "371399102", "371399101001", "371399101002"


def add_staff(cfg, tier, users):
    conn = open_db(cfg)
    for name, roles in users:
        accounts.add_user(conn, tier, name, name, ADMIN_PASSWORD, roles)
    conn.close()


def web(proc):
    return (Path(proc.cfg.data_dir) / "run" / "web.url").read_text().strip().rstrip("/")


class Staff:
    """A signed-in staff member talking to a node's JSON API."""

    def __init__(self, url, username):
        self.url, self.s = url, requests.Session()
        assert login(self.s, url, username).status_code == 200
        self.token = self.s.get(url + "/api/v1/me", timeout=10).json()["csrf_token"]

    def get(self, path, **params):
        return self.s.get(self.url + path, params=params, timeout=10)

    def act(self, app_id, action, **form):
        return self.s.post(self.url + f"/api/v1/cases/{app_id}/actions", json=dict(form, action=action),
                           headers={"X-CSRF-Token": self.token}, timeout=10)


@pytest.fixture(scope="module")
def net(tmp_path_factory):
    net = make_network(tmp_path_factory.mktemp("township-net"), villages=2, townships=2)
    add_staff(net[T], "township", [("win1", ["township_staff"]), ("head1", ["township_head"])])
    add_staff(net[T2], "township", [("win2", ["township_staff"])])
    for v in (V1, V2):
        add_staff(net[v], "village", [(f"clerk{v[-1]}", ["village_clerk"])])
    procs = {code: NodeProcess(cfg) for code, cfg in net.items()}
    for code in (T, T2, V1, V2):  # the county stays down for now
        procs[code].start()
    yield net, procs
    for p in procs.values():
        p.stop()


def state_at(cfg, app_id):
    conn = open_db(cfg)
    try:
        row = conn.execute("SELECT state FROM applications WHERE id = ?", (app_id,)).fetchone()
        return row[0] if row else None
    finally:
        conn.close()


def test_a_township_item_is_decided_with_the_county_down_and_its_record_reaches_the_county_later(net):
    net, procs = net
    [app_id] = submit_many(net[V1], 1, item="MZ-001", form={"bank_account": "6222020200112233445"})
    wait_for(lambda: state_at(net[T], app_id) == "received", timeout=60, what="received at the township")
    win, head = Staff(web(procs[T]), "win1"), Staff(web(procs[T]), "head1")
    inbox = win.get("/api/v1/window/applications").json()["applications"]
    assert [r["id"] for r in inbox] == [app_id]
    offered = [a["action"] for a in win.get(f"/api/v1/cases/{app_id}").json()["actions"]]
    assert offered == ["accepted", "not_accepted", "supplement_requested", "escalated"]
    assert win.act(app_id, "accepted").status_code == 200
    assert win.act(app_id, "approved").status_code == 403  # not offered: the flow has steps left
    assert win.act(app_id, "step_passed:review").status_code == 200
    assert win.act(app_id, "step_passed:approve").status_code == 403  # the head's step
    assert head.act(app_id, "step_passed:approve").status_code == 403  # the last step and the decision are one
    assert head.act(app_id, "approved:approve", note="按月发放").status_code == 200
    assert win.act(app_id, "delivered").status_code == 200
    wait_for(lambda: state_at(net[V1], app_id) == "delivered", timeout=60, what="the outcome at the village")
    assert count(net[T], "SELECT COUNT(*) FROM sync_links WHERE link = 'up' AND state = 'up'") == 0
    procs["county"].start()
    wait_for(lambda: state_at(net["county"], app_id) == "delivered", timeout=60,
             what="the township's record at the county once the link returns")
    assert count(net["county"], "SELECT COUNT(*) FROM events WHERE app_id = ?", app_id) == \
        count(net[T], "SELECT COUNT(*) FROM events WHERE app_id = ?", app_id)


def test_a_county_item_is_forwarded_and_its_outcome_relayed(net):
    net, procs = net
    wait_for(lambda: procs["county"].alive(), what="county up")
    [app_id] = submit_many(net[V2], 1)  # RS-003, decided at the county
    wait_for(lambda: state_at(net["county"], app_id) == "forwarded", timeout=60, what="forwarded to the county")
    win = Staff(web(procs[T]), "win1")
    row = win.get("/api/v1/window/applications", scope="open").json()["applications"]
    assert any(r["id"] == app_id and r["custody"] == C for r in row)
    assert win.get(f"/api/v1/cases/{app_id}").json()["actions"] == []  # the county's to decide
    conn = open_db(net["county"])
    clock = Clock(C)
    for kind, payload in (("accepted", {}), ("step_passed", {"step": "review"}), ("approved", {})):
        apps.append(conn, clock, C, app_id, kind, "approver", payload)
    conn.close()
    for cfg in (net[T], net[V2]):
        wait_for(lambda cfg=cfg: state_at(cfg, app_id) == "approved", timeout=60, what="the outcome relayed down")


def test_an_escalation_and_its_answer_round_trip(net):
    net, procs = net
    [app_id] = submit_many(net[V2], 1, item="MZ-002", form={"reason": "火灾", "amount": "800"})
    wait_for(lambda: state_at(net[T], app_id) == "received", timeout=60, what="received at the township")
    win = Staff(web(procs[T]), "win1")
    r = win.act(app_id, "escalated")
    assert r.status_code == 400 and "reason" in r.json()["fields"]
    assert win.act(app_id, "escalated", reason="金额超过乡镇审批权限").status_code == 200
    wait_for(lambda: state_at(net["county"], app_id) == "escalation_review", timeout=60, what="at the county")
    conn = open_db(net["county"])
    apps.append(conn, Clock(C), C, app_id, "escalation_answered", "reviewer",
                {"resolution": "returned", "answer": "同意按临时救助办理，乡镇审批"})
    conn.close()
    wait_for(lambda: state_at(net[T], app_id) == "received", timeout=60, what="the answer back at the township")
    detail = win.get(f"/api/v1/cases/{app_id}").json()
    assert detail["application"]["escalation"]["answer"] == "同意按临时救助办理，乡镇审批"
    assert "accepted" in [a["action"] for a in detail["actions"]]  # the township decides again
    page = win.s.get(win.url + f"/cases/{app_id}", timeout=10).text
    assert "同意按临时救助办理" in page and "退回乡镇办理" in page


def test_access_stays_inside_each_village_and_township(net):
    net, procs = net
    clerk1, clerk2 = Staff(web(procs[V1]), "clerk1"), Staff(web(procs[V2]), "clerk2")
    mine1 = {r["origin"] for r in clerk1.get("/api/v1/applications").json()["applications"]}
    mine2 = {r["origin"] for r in clerk2.get("/api/v1/applications").json()["applications"]}
    assert mine1 == {V1} and mine2 == {V2}
    other = clerk2.get("/api/v1/applications").json()["applications"][0]["id"]
    assert clerk1.get(f"/api/v1/applications/{other}").status_code == 404
    win2 = Staff(web(procs[T2]), "win2")
    some_t1_app = Staff(web(procs[T]), "win1").get("/api/v1/window/applications",
                                                   scope="all").json()["applications"][0]["id"]
    assert win2.get(f"/api/v1/cases/{some_t1_app}").status_code == 404
    assert win2.act(some_t1_app, "accepted").status_code == 404
    assert win2.get("/api/v1/window/applications", scope="all").json()["applications"] == []
    # A decision forged by the other township is refused by custody wherever it lands.
    conn = open_db(net["county"])
    forged = {"id": "forged-1", "app_id": some_t1_app, "origin": T2, "hlc": Clock(T2).now(), "actor": "win2",
              "type": "denied", "payload": {"reason": "x"}}
    with pytest.raises(CustodyError):
        apps.ingest(conn, forged)
    conn.close()
    assert Staff(web(procs[T]), "win1").get("/api/v1/window/villages").json()["villages"][0]["link"] in (V1, V2)
