"""Kiosk finding screens in a real chromium, portrait and landscape: axe-core, text and target sizes."""
import pytest

from common.hlc import Clock
from common.node import open_db
from common.store import applications as apps, catalog
from tests.browser import LANDSCAPE, MEASURE_JS, PORTRAIT, axe_violations, check_screen, focus_is_on_error_summary

SCREENS = ["/kiosk/", "/kiosk/browse", "/kiosk/browse/event/养老", "/kiosk/browse/department/RS",
           "/kiosk/search?q=shbzk", "/kiosk/search?q=", "/kiosk/item/MZ-001", "/kiosk/item/ZJ-003",
           "/kiosk/status", "/kiosk/status/ABCDE-23456"]


@pytest.mark.parametrize("viewport", [PORTRAIT, LANDSCAPE], ids=["portrait", "landscape"])
def test_every_finding_screen_is_accessible_and_big_enough(browser_and_url, viewport):
    browser, url, _ = browser_and_url
    page = browser.new_page(viewport=viewport)
    external = []
    page.on("request", lambda r: external.append(r.url) if not r.url.startswith(url) else None)
    for path in SCREENS:
        page.goto(url + path)
        assert axe_violations(page) == [], path
        m = page.evaluate(MEASURE_JS)
        assert m["count"] > 3, path
        assert m["small"] == [], (path, m["small"][:5])
        assert m["tight"] == [], (path, m["tight"][:5])
        assert m["targets"] == [], (path, m["targets"][:5])
    assert external == []  # every asset comes from the node itself
    page.close()


def test_status_journey_error_then_timeline(browser_and_url):
    browser, url, cfg = browser_and_url
    conn = open_db(cfg)
    doc = apps.submit(conn, Clock(cfg["code"]), cfg["code"], "kiosk", catalog.item(conn, "MZ-001"),
                      {"name": "钱七", "id_number": "11010519440119002X", "phone": "13700004321"},
                      {"bank_account": "6222020200112233445"})
    conn.close()
    page = browser.new_page(viewport=PORTRAIT)
    page.goto(url + "/kiosk/")
    page.get_by_role("link", name="查询办理进度").click()
    page.get_by_label("查询码").fill(doc["tracking_code"])
    page.get_by_role("button", name="查询").click()
    assert page.title().startswith("错误")
    assert focus_is_on_error_summary(page)
    check_screen(page, "status form with errors")
    page.get_by_label("身份证号或手机号的最后 4 位").fill("4321")
    page.get_by_role("button", name="查询").click()
    text = page.inner_text("main")
    assert "高龄津贴申领" in text and "您提交了申请" in text and "网络不通" in text
    check_screen(page, "status timeline")
    page.close()


def test_empty_search_puts_focus_on_the_error_summary(browser_and_url):
    browser, url, _ = browser_and_url
    page = browser.new_page(viewport=PORTRAIT)
    page.goto(url + "/kiosk/browse")
    page.get_by_role("button", name="搜索").click()
    assert page.title().startswith("错误")
    assert focus_is_on_error_summary(page)
    page.get_by_label("搜索事项").fill("sbk")
    page.get_by_role("button", name="搜索").click()
    assert "社会保障卡" in page.inner_text("main")
    page.close()
