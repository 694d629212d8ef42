"""SMS through real node processes: the county's outbox keeps the texts an applicant is owed while the
gateway (a real HTTP server of the test) is down, sends them when it returns, and each reaches the
phone once even when the gateway's answer is lost."""
from pathlib import Path

import pytest
import requests

from common.clock import BusinessClock
from tests.county_hub.smsgate import SmsGate
from tests.county_hub.test_consult_network import Kiosk
from tests.county_hub.test_deadlines_network import accepted_at_county
from tests.helpers import wait_for
from tests.sync.netutil import NodeProcess, free_port, make_network
from tests.township_node.test_window_network import Staff, add_staff, web
from tests.village_kiosk.test_api import GOOD

V = "371399101001"


@pytest.fixture(scope="module")
def county(tmp_path_factory):
    gate = SmsGate(free_port(), lose_first=True)
    net = make_network(tmp_path_factory.mktemp("sms-net"), villages=1)
    add_staff(net["county"], "county", [("rs1", ["county_approver:RS"]), ("sup1", ["supervisor"])])
    env = {"SANJI_SMS_GATEWAY": gate.url, "SANJI_SMS_RETRY_SECONDS": "1", "SANJI_SMS_SIGN": "【示范县政务服务】"}
    procs = {code: NodeProcess(cfg, env=env if code == "county" else None).start() for code, cfg in net.items()}
    yield net, procs, gate
    gate.stop()
    for p in procs.values():
        p.stop()


def test_texts_wait_out_a_gateway_outage_and_each_reaches_the_phone_once(county):
    net, procs, gate = county
    hub = web(procs["county"])
    sup = Staff(hub, "sup1")

    def health():
        return sup.get("/api/v1/sms/status").json()

    app_id, code, rs = accepted_at_county(net, procs, BusinessClock("").today())
    wait_for(lambda: health()["retrying"] >= 2, timeout=60,
             what="the received and acceptance SMS failing while the gateway is down")
    assert health()["sent"] == 0 and "unreachable" in health()["last_error"]
    gate.start()
    wait_for(lambda: health()["sent"] == 2, timeout=60, what="the received and acceptance SMS sent once the gateway is back")
    assert sorted(m["template"] for m in gate.delivered.values()) == ["accepted", "submitted"]
    for text in gate.delivered.values():
        assert text["to"] == GOOD["phone"] and text["text"].startswith("【示范县政务服务】") and code in text["text"]

    gate.stop()  # down again while the case is decided
    assert rs.act(app_id, "approved", step="review", note="准予").status_code == 200
    wait_for(lambda: health()["retrying"] >= 1, timeout=60, what="the decision SMS failing")
    gate.start()
    wait_for(lambda: health()["sent"] == 3 and health()["pending"] == 0, timeout=60, what="the decision SMS sent")
    assert sorted(m["template"] for m in gate.delivered.values()) == ["accepted", "approved", "submitted"]
    assert all(gate.posts.count(key) == 2 for key in gate.delivered)  # each delivered once, its lost answer retried
    log = (Path(net["county"].data_dir) / "node.log").read_text()
    assert GOOD["phone"] not in log and f"{GOOD['phone'][:3]}****{GOOD['phone'][-4:]}" in log

    # the person opts out at the kiosk: the county puts the number on its list
    kiosk = Kiosk(web(procs[V]), code)
    assert "不再接收短信" in kiosk.s.get(kiosk.url + "/kiosk/status/view", timeout=10).text
    r = kiosk.s.post(kiosk.url + "/kiosk/status/sms-optout", data={"csrf_token": kiosk.token}, timeout=10)
    assert r.status_code == 200 and "以后不再给您发短信" in r.text
    wait_for(lambda: health()["opted_out"] == 1, timeout=60, what="the opt-out at the county")
    assert requests.get(hub + "/api/v1/sms/status", timeout=10).status_code == 401

