"""Fixtures the kiosk's browser tests share."""
import pytest

from common.tiers import load_tier
from tests.browser import chromium_path
from tests.helpers import LiveServer, make_node


@pytest.fixture(scope="module")
def browser_and_url(tmp_path_factory):
    """(chromium, the URL of a village node served in process, its config), for one test module."""
    from playwright.sync_api import sync_playwright
    cfg = make_node(tmp_path_factory.mktemp("kiosk-browser"), "village")
    with LiveServer(load_tier("village").create_app(cfg)) as srv, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=["--no-sandbox"])
        try:
            yield browser, srv.url, cfg
        finally:
            browser.close()
