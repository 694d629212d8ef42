"""Joint approval in a real chromium (issue 20.10): the timeline names every step and its department, and
the administrator and the supervisor are warned of departments with open cases and no one to act."""
import pytest

from common import accounts
from common.hlc import Clock
from common.node import open_db
from common.store import applications as apps
from tests.browser import axe_violations, served, staffed_node
from tests.helpers import ADMIN_PASSWORD
from tests.township_node.test_window_browser import choose, sign_in
from tests.web.test_phone_reflow import MEASURE, PHONE

T = "371399101"
DESK = {"width": 1280, "height": 900}
FORM = {"project_name": "东岭仓库", "floor_area": "800"}
COMPANY = {"company": "示范县东岭建筑工程有限公司", "uscc": "91350100M000100Y43", "legal_rep": "周九"}


@pytest.fixture(scope="module")
def county(tmp_path_factory):
    def forwarded(conn, cfg, doc):  # as the township's link delivers it
        apps.ingest(conn, {"id": "fwd-1", "app_id": doc["id"], "origin": T, "hlc": Clock(T, last=doc["last_hlc"]).now(),
                           "actor": "system", "type": "forwarded", "payload": {}})
    cfg, doc = staffed_node(tmp_path_factory.mktemp("joint-browser"), "county",
                            [("zj", "county_approver:ZJ"), ("sup1", "supervisor")], "ZJ-003", FORM, forwarded, COMPANY)
    with served(cfg, "county") as (browser, url):
        yield browser, url, doc, cfg


def test_the_timeline_names_steps_and_unstaffed_departments_are_warned(county):
    browser, url, doc, cfg = county
    zj = sign_in(browser, url, "zj", DESK)
    zj.get_by_role("link", name=doc["tracking_code"]).click()
    choose(zj, "受理")
    choose(zj, "本环节通过：综合窗口受理")
    choose(zj, "本环节通过：施工许可与消防设计审查")
    events = zj.locator("ol.events").inner_text()
    assert "环节通过：综合窗口受理 · 县住房和城乡建设局" in events
    assert "环节通过：施工许可与消防设计审查 · 县住房和城乡建设局" in events
    assert "已受理 · 县住房和城乡建设局" in events
    assert "环节通过 ·" not in events  # no step passes unnamed
    assert axe_violations(zj) == []
    zj.close()
    for who, path in (("admin", "/"), ("sup1", "/supervision")):
        page = sign_in(browser, url, who, DESK)
        page.goto(url + path)
        warning = page.locator("#unstaffed").inner_text()
        for name in ("县自然资源局（ZR）", "市生态环境局县分局（HB）", "县水利局（SL）", "规划许可审查", "环境影响审查",
                     "水土保持方案审查"):
            assert name in warning, (who, name)
        assert "县住房和城乡建设局" not in warning  # zj can act on its branch
        assert axe_violations(page) == [], (who, path)
        if who == "admin":
            assert page.get_by_role("link", name="到“工作人员”页面开通账号").count() == 1
        else:
            assert "请联系系统管理员开通账号" in warning
        page.set_viewport_size(PHONE)
        m = page.evaluate(MEASURE)
        assert m["width"] <= PHONE["width"] and m["squeezed"] == [], (who, m)
        page.close()
    # An approver for the three departments (one disabled counts for nothing): the warning goes.
    conn = open_db(cfg)
    for code in ("ZR", "HB", "SL"):
        accounts.add_user(conn, "county", code.lower(), code, ADMIN_PASSWORD, [f"county_approver:{code}"])
    accounts.add_user(conn, "county", "old", "old", ADMIN_PASSWORD, ["county_reviewer"])
    accounts.set_disabled(conn, "sl")
    conn.close()
    admin = sign_in(browser, url, "admin", DESK)
    assert [s for s in admin.locator("#unstaffed li").all_inner_texts()] == ["县水利局（SL）：1 件\n待办环节：水土保持方案审查（ZJ-003，1 件）"]
    conn = open_db(cfg)
    accounts.set_disabled(conn, "sl", False)
    conn.close()
    admin.goto(url + "/")
    assert admin.locator("#unstaffed").count() == 0
    admin.close()

