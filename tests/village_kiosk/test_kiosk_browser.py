"""Kiosk finding screens in a real chromium, portrait and landscape: axe-core, text and target sizes."""
import pytest

from common.tiers import load_tier
from tests.browser import LANDSCAPE, MEASURE_JS, PORTRAIT, axe_violations, chromium_path
from tests.helpers import LiveServer, make_node

SCREENS = ["/kiosk/", "/kiosk/browse", "/kiosk/browse/event/养老", "/kiosk/browse/department/RS",
           "/kiosk/search?q=shbzk", "/kiosk/search?q=", "/kiosk/item/MZ-001", "/kiosk/item/ZJ-003"]


@pytest.fixture(scope="module")
def browser_and_url(tmp_path_factory):
    from playwright.sync_api import sync_playwright
    cfg = make_node(tmp_path_factory.mktemp("kiosk-browser"), "village")
    with LiveServer(load_tier("village").create_app(cfg)) as srv, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=["--no-sandbox"])
        try:
            yield browser, srv.url
        finally:
            browser.close()


@pytest.mark.parametrize("viewport", [PORTRAIT, LANDSCAPE], ids=["portrait", "landscape"])
def test_every_finding_screen_is_accessible_and_big_enough(browser_and_url, viewport):
    browser, url = browser_and_url
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


def test_empty_search_puts_focus_on_the_error_summary(browser_and_url):
    browser, url = browser_and_url
    page = browser.new_page(viewport=PORTRAIT)
    page.goto(url + "/kiosk/browse")
    page.get_by_role("button", name="搜索").click()
    assert page.title().startswith("错误")
    assert page.evaluate("document.activeElement.getAttribute('role')") == "alert"
    page.get_by_label("搜索事项").fill("sbk")
    page.get_by_role("button", name="搜索").click()
    assert "社会保障卡" in page.inner_text("main")
    page.close()
