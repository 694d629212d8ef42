"""A county approver's main journey in a real chromium: inbox, the case, accept, pass the step, approve."""
from datetime import datetime

import pytest

from common.clock import CHINA
from common.hlc import Clock
from common.store import applications as apps
from tests.browser import axe_violations, served, staffed_node
from tests.township_node.test_window_browser import choose, sign_in

T = "371399101"


@pytest.fixture(scope="module")
def county(tmp_path_factory):
    def forwarded(conn, cfg, doc):  # as the township's link delivers it
        apps.ingest(conn, {"id": "fwd-1", "app_id": doc["id"], "origin": T, "hlc": Clock(T, last=doc["last_hlc"]).now(), "actor": "system",
                           "type": "forwarded", "payload": {}})
    cfg, doc = staffed_node(tmp_path_factory.mktemp("county-browser"), "county",
                            [("rs1", "county_approver:RS"), ("sup1", "supervisor")], "RS-003",
                            {"delivery": "乡镇便民服务中心领取"}, forwarded)
    with served(cfg, "county") as (browser, url):
        yield browser, url, doc


def test_an_approver_takes_a_case_from_the_inbox_to_approval(county):
    browser, url, doc = county
    page = sign_in(browser, url, "rs1", {"width": 1280, "height": 900})
    assert "部门待办：县人力资源和社会保障局" in page.inner_text("main")
    assert axe_violations(page) == []
    page.get_by_role("link", name=doc["tracking_code"]).click()
    assert axe_violations(page) == []
    choose(page, "受理")
    choose(page, "通过并准予（办结）：部门审核办结")  # the only step and the decision: one post
    assert "准予许可/办结" in page.inner_text("main")
    assert axe_violations(page) == []
    page.goto(url + "/")
    assert "本部门没有待办件" in page.inner_text("main")
    page.close()
    sup = sign_in(browser, url, "sup1", {"width": 1280, "height": 900})
    sup.goto(url + "/supervision")
    assert "电子监察" in sup.inner_text("main") and axe_violations(sup) == []
    sup.goto(url + "/")
    sup.get_by_role("link", name="绩效看板").click()
    sup.get_by_label("排名最小样本").fill("1")
    sup.get_by_role("button", name="查看").click()
    on_time = sup.get_by_role("img", name="按期办结率", exact=True)
    assert on_time.locator("rect").count() == 1  # 人社局: one completed, on time
    assert sup.get_by_role("img", name="提前办结率", exact=True).locator("rect").count() == 1
    volume = sup.get_by_role("img", name="收件与办结", exact=True)
    days = datetime.now(CHINA).day  # the period shown: this month up to today, compared with as many days before
    assert volume.locator("rect").count() == days * 2 * 2 + 2  # two columns a day over both, and the legend
    assert "100.0%" in sup.inner_text("main") and axe_violations(sup) == []
    sup.close()
