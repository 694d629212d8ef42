"""A paper the township issued (一次性告知书 …) is printed at the kiosk for the application looked up."""
import requests

from common.hlc import Clock
from common.store import applications as apps
from tests.helpers import csrf_from
from tests.village_kiosk.test_status import village  # noqa: F401 (the fixture)


def test_the_township_s_one_time_notice_is_printable_at_the_kiosk(village):  # noqa: F811
    url, conn, doc = village
    township = "371399101"
    clock = Clock(township, last=doc["last_hlc"])
    for n, (kind, payload) in enumerate((("received", {}), ("supplement_requested", {
            "missing": ["户口簿首页", "银行卡"], "reason": "缺页", "office": "城关镇为民服务中心"}))):
        apps.ingest(conn, {"id": f"t-{n}", "app_id": doc["id"], "origin": township, "hlc": clock.now(),
                           "actor": "window1", "type": kind, "payload": payload}, trusted=True)
    s = requests.Session()
    assert s.get(url + "/kiosk/status/papers/t-1", timeout=10).status_code == 404  # not looked up: nothing shown
    token = csrf_from(s.get(url + "/kiosk/status", timeout=10).text)
    page = s.post(url + "/kiosk/status", data={"code": doc["tracking_code"], "last4": "002X", "csrf_token": token},
                  timeout=10)
    assert "/kiosk/status/papers/t-1" in page.text and "打印一次性告知书" in page.text
    paper = s.get(url + "/kiosk/status/papers/t-1", timeout=10)
    assert paper.status_code == 200
    for said in ("一次性告知书", "城关镇为民服务中心", "户口簿首页", "银行卡", "缺页", "行政许可法", doc["tracking_code"],
                 "自助终端"):
        assert said in paper.text, said
    assert "11010519440119002X" not in paper.text  # the ID number masked
    assert s.get(url + "/kiosk/status/papers/t-0", timeout=10).status_code == 404  # `received` gives no paper
