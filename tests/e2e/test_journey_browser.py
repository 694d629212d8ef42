"""The end-to-end journey in chromium over the demo network (ten real node processes): apply while cut off,
the link returns, the township forwards, the county asks for a document, the villager adds it, the
county approves, the kiosk shows the outcome, the villager rates it, the dashboard counts it."""
import pytest

from common.demo import network
from common.demo.smoke import free_base
from tests.browser import MEASURE_JS, axe_violations, chromium_path
from tests.e2e import journey


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from playwright.sync_api import sync_playwright
    root = tmp_path_factory.mktemp("e2e")
    base = free_base()
    network.build(root / "demo", base, history=False)
    net = network.Network(root / "demo", base)
    net.start_all()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium_path(), args=["--no-sandbox"])
            try:
                yield browser, net, root
            finally:
                browser.close()
    finally:
        net.stop_all()


def test_one_application_from_a_cut_off_village_to_the_county_and_back(demo):
    browser, net, tmp = demo
    seen = []

    def check(page, name, kiosk):
        page.wait_for_load_state("load")
        assert axe_violations(page) == [], name
        if kiosk:
            m = page.evaluate(MEASURE_JS)
            assert (m["small"], m["tight"], m["targets"]) == ([], [], []), (name, m)
        seen.append(name)

    facts = journey.run(browser, net, check, tmp)
    assert len(seen) == 12
    totals = facts["totals"]
    assert (totals["received"], totals["completed"], totals["on_time"], totals["rated"], totals["satisfied"]) == \
        (1, 1, 1, 1, 1)
