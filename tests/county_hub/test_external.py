"""The external approval adapter against a small real HTTP server: outage, recovery, lost answers, callback."""
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from common.hlc import Clock
from common.node import open_db
from common.store import applications as apps, catalog
from common.tiers import load_tier
from county_hub import external, external_store
from tests.helpers import LiveServer, make_node
from tests.sync.netutil import free_port

V, T = "371399101001", "371399101"


class ApprovalSystem:
    """An outside approval system: cases by id, idempotent creation, statuses the test sets."""

    def __init__(self, port):
        self.port, self.cases, self.keys, self.status, self.drop_next = port, {}, {}, {}, False
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _send(self, code, body):
                data = json.dumps(body).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                key = self.headers.get("Idempotency-Key")
                if self.headers.get("Authorization") != "Bearer s3cret":
                    return self._send(401, {"error": "token"})
                if key not in outer.keys:
                    outer.keys[key] = f"EXT-{len(outer.keys) + 1}"
                    outer.cases[outer.keys[key]] = body
                    outer.status[outer.keys[key]] = {"status": "received"}
                if outer.drop_next:  # created, but the answer is lost on the way back
                    outer.drop_next = False
                    self.close_connection = True
                    return
                return self._send(201, {"id": outer.keys[key]})

            def do_GET(self):
                case_id = self.path.rsplit("/", 1)[-1]
                if case_id not in outer.status:
                    return self._send(404, {"error": "no such case"})
                return self._send(200, outer.status[case_id])

        self.server = None
        self.handler = Handler

    def start(self):
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), self.handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hub(tmp_path):
    port = free_port()
    cfg = make_node(tmp_path, "county", approval_url=f"http://127.0.0.1:{port}", approval_token="s3cret",
                    approval_poll_seconds=1)
    conn = open_db(cfg)
    system = ApprovalSystem(port)
    yield cfg, conn, system
    if system.server:
        system.stop()
    conn.close()


def arrive(conn):
    """A village's RS-003 case, forwarded by its township, as the sync link stores it at the county."""
    doc = apps.submit(conn, Clock(V), V, "kiosk", catalog.item(conn, "RS-003"),
                      {"name": "钱七", "id_number": "11010519440119002X", "phone": "13700004321"},
                      {"delivery": "乡镇便民服务中心领取"})
    apps.ingest(conn, {"id": f"fwd-{doc['id']}", "app_id": doc["id"], "origin": T, "hlc": Clock(T, last=apps.get(conn, doc["id"])["last_hlc"]).now(),
                       "actor": "system", "type": "forwarded", "payload": {}})
    return doc["id"]


def time_passes(conn):
    conn.execute("UPDATE external_cases SET next_try = '2000-01-01T00:00:00.000+00:00'")


def test_an_outage_loses_nothing_and_the_decision_comes_back(hub):
    cfg, conn, system = hub
    app_id = arrive(conn)
    counts = external.run(conn, cfg)  # the outside system is down: connection refused
    assert counts["queued"] == 1 and counts["failed"] == 1
    health = external_store.health(conn)
    assert health["pending"] == 1 and health["failing"] == 1 and health["last_error"]
    assert external.run(conn, cfg)["failed"] == 0  # backing off: not tried again at once
    system.start()
    time_passes(conn)
    counts = external.run(conn, cfg)
    assert counts["submitted"] == 1 and counts["updated"] == 1 and len(system.cases) == 1
    sent = next(iter(system.cases.values()))
    assert sent["sanji_id"] == app_id and sent["item"]["code"] == "RS-003"
    system.status["EXT-1"] = {"status": "approved", "note": "准予办理"}
    time_passes(conn)
    assert external.run(conn, cfg)["updated"] == 1
    doc = apps.get(conn, app_id)
    assert doc["state"] == "approved" and doc["decision"]["note"] == "准予办理"
    kinds = [(e["type"], e["actor"]) for e in apps.events(conn, app_id)][-3:]
    assert kinds == [("accepted", external.ACTOR), ("step_passed", external.ACTOR), ("approved", external.ACTOR)]
    assert external_store.health(conn) == dict(external_store.health(conn), done=1, failing=0)
    time_passes(conn)
    assert external.run(conn, cfg) == {"queued": 0, "submitted": 0, "updated": 0, "failed": 0}


def test_cases_handed_over_stay_out_of_the_built_in_inboxes(hub):
    from county_hub import queues
    cfg, conn, system = hub
    app_id = arrive(conn)
    assert [r["id"] for r in queues.department_inbox(conn, cfg["code"], {"RS"}, external=True)] == [app_id]
    external.run(conn, cfg)  # queued (the system is down): from now on it is the outside system's case
    assert queues.department_inbox(conn, cfg["code"], {"RS"}, external=True) == []
    assert [r["id"] for r in queues.department_inbox(conn, cfg["code"], {"RS"})] == [app_id]


def test_a_lost_answer_is_retried_without_a_duplicate_case(hub):
    cfg, conn, system = hub
    system.start()
    arrive(conn)
    system.drop_next = True
    assert external.run(conn, cfg)["failed"] == 1
    time_passes(conn)
    assert external.run(conn, cfg)["submitted"] == 1
    assert len(system.cases) == 1  # the Idempotency-Key made the retry the same case


def test_the_callback_needs_the_token_and_applies_the_status(hub):
    cfg, conn, system = hub
    system.start()
    app_id = arrive(conn)
    external.run(conn, cfg)
    with LiveServer(load_tier("county").create_app(cfg)) as srv:
        url = srv.url + "/api/v1/external/callback"
        body = {"id": "EXT-1", "status": "supplement", "missing": ["户口簿首页"], "reason": "缺页"}
        assert requests.post(url, json=body, timeout=10).status_code == 401
        assert requests.post(url, json=body, headers={"Authorization": "Bearer nope"}, timeout=10).status_code == 401
        r = requests.post(url, json=body, headers={"Authorization": "Bearer s3cret"}, timeout=10)
        assert r.status_code == 200 and r.json()["appended"] == ["supplement_requested"]
        assert apps.get(conn, app_id)["supplement"]["missing"] == ["户口簿首页"]
        bad = requests.post(url, json={"id": "EXT-1", "status": "teleported"}, headers={"Authorization": "Bearer s3cret"},
                            timeout=10)
        assert bad.status_code == 400
        assert requests.post(url, json={"id": "EXT-99", "status": "approved"}, headers={"Authorization": "Bearer s3cret"},
                             timeout=10).status_code == 404
        # A case not handed over yet has external id "": an empty id matches nothing.
        assert requests.post(url, json={"id": "", "status": "approved"}, headers={"Authorization": "Bearer s3cret"},
                             timeout=10).status_code == 400
        odd = requests.post(url, json=body, headers={"Authorization": "Bearer s3crét".encode("utf-8")}, timeout=10)
        assert odd.status_code == 401  # a non-ASCII header is a wrong token, not a server error


def test_events_for_follow_the_flow():
    submitted = {"id": "e1", "app_id": "a1", "origin": V, "hlc": "1763800000000-0000-371399101001", "actor": "k",
                 "type": "submitted", "payload": {"tracking_code": "X", "applicant": {}, "item": {
                     "code": "ZJ-003", "decide_tier": "county", "promised_days": 15, "flow": [
                         {"id": "intake", "role": "county_approver"},
                         {"parallel": {"id": "j", "rule": "all", "branches": [{"id": "a"}, {"id": "b"}]}},
                         {"id": "issue"}]}}}
    from common.domain import application as model
    doc = model.apply(None, submitted)
    doc = model.apply(doc, dict(submitted, id="e2", origin=T, type="forwarded", payload={}), strict=True)
    doc["custody"] = "371399"
    kinds = [k for k, _ in external.events_for(doc, {"status": "approved"})]
    assert kinds == ["accepted", "step_passed", "step_passed", "step_passed", "step_passed", "approved"]
    assert [k for k, _ in external.events_for(doc, {"status": "not_accepted", "reason": "不符合条件"})] == ["not_accepted"]
    assert external.events_for(doc, {"status": "received"}) == []
