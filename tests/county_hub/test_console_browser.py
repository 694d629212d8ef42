"""A county approver's main journey in a real chromium: inbox, the case, accept, pass the step, approve."""
import pytest

from common import accounts
from common.hlc import Clock
from common.node import open_db
from common.store import applications as apps, catalog
from common.tiers import load_tier
from tests.browser import axe_violations, chromium_path
from tests.helpers import ADMIN_PASSWORD, LiveServer, make_node
from tests.township_node.test_window_browser import choose, sign_in

V, T = "371399101001", "371399101"


@pytest.fixture(scope="module")
def county(tmp_path_factory):
    from playwright.sync_api import sync_playwright
    cfg = make_node(tmp_path_factory.mktemp("county-browser"), "county")
    conn = open_db(cfg)
    accounts.add_user(conn, "county", "rs1", "人社审批", ADMIN_PASSWORD, ["county_approver:RS"])
    accounts.add_user(conn, "county", "sup1", "监察", ADMIN_PASSWORD, ["supervisor"])
    # As the sync link delivers it: submitted at a village, forwarded by its township.
    doc = apps.submit(conn, Clock(V), V, "kiosk", catalog.item(conn, "RS-003"),
                      {"name": "钱七", "id_number": "11010519491231002X", "phone": "13700004321"},
                      {"delivery": "乡镇便民服务中心领取"})
    apps.ingest(conn, {"id": "fwd-1", "app_id": doc["id"], "origin": T, "hlc": Clock(T).now(), "actor": "system",
                       "type": "forwarded", "payload": {}})
    conn.close()
    with LiveServer(load_tier("county").create_app(cfg)) as srv, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=["--no-sandbox"])
        yield browser, srv.url, doc
        browser.close()


def test_an_approver_takes_a_case_from_the_inbox_to_approval(county):
    browser, url, doc = county
    page = sign_in(browser, url, "rs1", {"width": 1280, "height": 900})
    assert "部门待办：县人力资源和社会保障局" in page.inner_text("main")
    assert axe_violations(page) == []
    page.get_by_role("link", name=doc["tracking_code"]).click()
    assert axe_violations(page) == []
    choose(page, "受理")
    choose(page, "本环节通过：部门审核办结")
    choose(page, "准予（办结）")
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
    assert sup.locator("figure.chart-box svg rect").count() == 1  # 人社局: one completed, on time
    assert "100.0%" in sup.inner_text("main") and axe_violations(sup) == []
    sup.close()
