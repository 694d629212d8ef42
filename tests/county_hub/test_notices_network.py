"""Public notices through real node processes: published at the county or a township, shown on the kiosks
below, including one whose link was down when it was published; edits replace, withdrawals remove."""
import pytest
import requests

from tests.helpers import wait_for
from tests.sync.netutil import NodeProcess, make_network
from tests.township_node.test_window_network import Staff, add_staff, web

C, T, T2, V1, V2 = "371399", "371399101", "371399102", "371399101001", "371399101002"
BODY = "各位村民：\n\n2027年度城乡居民医保个人缴费从即日起开始，标准为每人每年400元。\n\n可到村服务站由代办员帮助缴费。"


@pytest.fixture(scope="module")
def county(tmp_path_factory):
    net = make_network(tmp_path_factory.mktemp("notice-net"), villages=2, townships=2)
    add_staff(net["county"], "county", [("pub1", ["publisher"]), ("sup1", ["supervisor"])])
    add_staff(net[T], "township", [("head1", ["township_head"]), ("win1", ["township_staff"])])
    procs = {code: NodeProcess(cfg) for code, cfg in net.items()}
    for code in ("county", T, T2, V1):  # village 2's link is down: its node is not running
        procs[code].start()
    yield net, procs
    for p in procs.values():
        p.stop()


def kiosk_titles(url):
    return [n["title"] for n in requests.get(url + "/api/v1/kiosk/notices", timeout=10).json()["notices"]]


def publish(staff, **body):
    r = staff.s.post(staff.url + "/api/v1/notices", json=body, headers={"X-CSRF-Token": staff.token}, timeout=10)
    assert r.status_code == 201, r.text
    return r.json()["notice"]


def test_a_county_notice_reaches_every_kiosk_even_one_that_was_offline(county):
    net, procs = county
    pub = Staff(web(procs["county"]), "pub1")
    notice = publish(pub, title="城乡居民医保开始缴费", body=BODY, category="public")
    v1 = web(procs[V1])
    wait_for(lambda: "城乡居民医保开始缴费" in kiosk_titles(v1), timeout=60, what="the notice on village 1's kiosk")
    page = requests.get(f"{v1}/kiosk/notices/{notice['id']}", timeout=10)
    assert page.status_code == 200 and "每人每年400元" in page.text and "朗读这条公告" in page.text
    assert page.text.count("<p>") >= 3  # one paragraph per blank-line-separated block
    # 发布：the county's name (it came down the links), its code on hover — not 发布：371399
    county_name = net["county"]["name"]
    wait_for(lambda: f'<span title="{C}">发布：{county_name}，' in
             requests.get(f"{v1}/kiosk/notices/{notice['id']}", timeout=10).text, timeout=30,
             what="the county's name on the kiosk's notice")
    assert "政务公开" in requests.get(v1 + "/kiosk/", timeout=10).text

    procs[V2].start()  # the village that was down comes back
    v2 = web(procs[V2])
    wait_for(lambda: "城乡居民医保开始缴费" in kiosk_titles(v2), timeout=60, what="the notice on village 2's kiosk")

    # an edit replaces it everywhere; a withdrawal takes it off every kiosk
    publish(pub, id=notice["id"], title="城乡居民医保缴费（截止12月31日）", body=BODY, category="public")
    for url in (v1, v2):
        wait_for(lambda: kiosk_titles(url) == ["城乡居民医保缴费（截止12月31日）"], timeout=60, what="the edit")
    publish(pub, id=notice["id"], title="x", body="x", withdrawn=True)
    for url in (v1, v2):
        wait_for(lambda: kiosk_titles(url) == [], timeout=60, what="the withdrawal")
    assert requests.get(f"{v1}/kiosk/notices/{notice['id']}", timeout=10).status_code == 404


def test_a_township_notice_stays_in_its_own_subtree_and_bad_input_publishes_nothing(county):
    net, procs = county
    head = Staff(web(procs[T]), "head1")
    publish(head, title="本镇便民服务中心周六照常办公", body="12月5日（周六）上午照常办理。", category="notice")
    for v in (V1, V2):
        wait_for(lambda: "本镇便民服务中心周六照常办公" in kiosk_titles(web(procs[v])), timeout=60, what=f"{v}")
    county_notices = Staff(web(procs["county"]), "sup1").get("/api/v1/notices").json()["notices"]
    assert all(n["publisher"] != T for n in county_notices)  # notices go down, never up
    bad = head.s.post(head.url + "/api/v1/notices", json={"title": "", "body": "<script>", "expires_on": "明天"},
                      headers={"X-CSRF-Token": head.token}, timeout=10)
    assert bad.status_code == 400 and set(bad.json()["fields"]) == {"title", "body", "expires_on"}
    win = Staff(web(procs[T]), "win1")  # window staff read notices but do not publish
    assert win.s.post(win.url + "/api/v1/notices", json={"title": "t", "body": "b"},
                      headers={"X-CSRF-Token": win.token}, timeout=10).status_code == 403
    page = head.get("/notices")
    assert page.status_code == 200 and "本镇便民服务中心周六照常办公" in page.text and "上级发布的公告" in page.text
