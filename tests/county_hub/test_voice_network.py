"""A complaint (诉求) through real node processes: sent at the village kiosk, up through the township to the
county's 12345 office, read and assigned (送阅), instructed (批办), handled (承办), checked (督察), and the
answer back at the village, where the person reads it with their tracking code."""
import pytest
import requests

from tests.county_hub.test_consult_network import Kiosk
from tests.helpers import wait_for
from tests.sync.netutil import NodeProcess, make_network
from tests.township_node.test_window_network import Staff, add_staff, state_at, web
from tests.village_kiosk.test_api import GOOD

C, T, V = "371399", "371399101", "371399101001"
COMPLAINT = {"topic": "低保救助", "content": "村里低保名单去年没有公示，想知道怎么评的。"}


@pytest.fixture(scope="module")
def county(tmp_path_factory):
    net = make_network(tmp_path_factory.mktemp("voice-net"), villages=1)
    add_staff(net["county"], "county", [("rx1", ["county_approver:RX"]), ("mz1", ["county_approver:MZ"]),
                                        ("rs1", ["county_approver:RS"])])
    procs = {code: NodeProcess(cfg).start() for code, cfg in net.items()}
    yield net, procs
    for p in procs.values():
        p.stop()


def case(staff, app_id):
    return staff.get(f"/api/v1/cases/{app_id}").json()


def offered(staff, app_id):
    r = staff.get(f"/api/v1/cases/{app_id}")
    if r.status_code == 403:  # not this department's case: it cannot even open it
        return []
    return [(a["action"], a.get("step")) for a in r.json()["actions"]]


def test_a_complaint_is_handled_step_by_step_and_its_answer_reaches_the_village(county):
    net, procs = county
    village = web(procs[V])
    r = requests.post(village + "/api/v1/applications", json={"item": "RX-001", "applicant": GOOD, "form": COMPLAINT},
                      timeout=30)
    assert r.status_code == 201, r.text
    app_id, code = r.json()["id"], r.json()["tracking_code"]
    wait_for(lambda: state_at(net["county"], app_id) == "forwarded", timeout=60, what="the complaint at the county")

    hub = web(procs["county"])
    rx, mz, rs = Staff(hub, "rx1"), Staff(hub, "mz1"), Staff(hub, "rs1")
    inbox = rx.get("/api/v1/county/inbox").json()
    assert app_id in [row["id"] for row in inbox["applications"]]
    assert offered(mz, app_id) == []  # not the 民政局's until the hotline office assigns it
    assert mz.get(f"/api/v1/cases/{app_id}").status_code == 403  # nor may it read the complaint yet
    assert rx.act(app_id, "accepted").status_code == 200
    assert offered(rx, app_id)[0] == ("step_passed", "songyue")
    assert ("denied", None) not in offered(rx, app_id) and ("step_returned", "songyue") not in offered(rx, app_id)
    page = rx.get(f"/cases/{app_id}")
    assert page.status_code == 200 and "送阅：分送哪个部门承办" in page.text and "尚未分送" in page.text
    missing = rx.act(app_id, "step_passed", step="songyue")
    assert missing.status_code == 400 and "承办部门" in missing.text
    assert rx.act(app_id, "step_passed", step="songyue", department="MZ").status_code == 200

    # 批办 and 承办 are the assigned department's; the hotline office may only ask the person for more
    assert offered(rx, app_id) == [("supplement_requested", None)] and offered(rs, app_id) == []
    assert app_id in [row["id"] for row in mz.get("/api/v1/county/inbox").json()["applications"]]
    assert mz.act(app_id, "step_passed", step="pibang", note="请低保股核实并答复").status_code == 200
    page = mz.get(f"/cases/{app_id}")
    assert "给群众的答复" in page.text and "本环节办结" in page.text and "县民政局" in page.text
    no_answer = mz.act(app_id, "step_passed", step="chengban")
    assert no_answer.status_code == 400 and "答复" in no_answer.text
    answer = "去年低保名单已于3月在村务公开栏公示7天；评议按户籍、收入、财产三项进行。您可到村委会查阅评议记录。"
    assert mz.act(app_id, "step_passed", step="chengban", answer=answer).status_code == 200
    doc = case(mz, app_id)["application"]
    assert doc["answer"]["text"] == answer and doc["answer"]["department"] == "MZ" and doc["assigned"] == "MZ"

    # 督察 is the hotline office's again, and it sends the answer (edited) as the decision
    assert offered(mz, app_id) == []
    assert rx.act(app_id, "step_passed", step="ducha").status_code == 403  # the last step comes with the answer
    assert ("approved", "ducha") in offered(rx, app_id) and ("delivered", None) not in offered(rx, app_id)
    final = answer + "如仍有疑问，请拨打12345。"
    assert rx.act(app_id, "approved", step="ducha", answer=final).status_code == 200
    assert offered(rx, app_id) == []  # an answer needs no handing over

    wait_for(lambda: state_at(net[V], app_id) == "approved", timeout=60, what="the answer at the village")
    kiosk = Kiosk(village, code)
    page = kiosk.s.get(village + "/kiosk/status/view", timeout=10).text
    assert "已答复" in page and final in page and "评价这次办事" in page
    assert "审核环节通过" not in page and "审批" not in page and "办理环节完成：承办（办理并拟写答复）" in page  # a complaint's steps read as such
    add_staff(net["county"], "county", [("sup1", ["supervisor"])])
    figures = Staff(hub, "sup1").get("/api/v1/dashboard").json()["voice"]
    assert (figures["received"], figures["answered"], figures["reply_rate"], figures["on_time_reply_rate"]) == \
        (1, 1, 1.0, 1.0)
