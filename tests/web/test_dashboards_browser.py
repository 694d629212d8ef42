"""The county's and the township's dashboards in a real browser, over the demo's weeks of history (issue 20.12, 20.14).

They open on this month with the whole previous month beside it (the demo's three weeks of history
are mostly last month's early in a month), name places with the code on hover, and the township
head, and only the head, has one of the township's own.
"""
import csv
import io
from contextlib import ExitStack

import pytest
import requests

from common import accounts
from common import clock as business_clock
from common.demo import history
from common.domain import stats
from common.node import open_db
from common.store import applications, catalog, places
from common.store import calendar as cal_store
from common.store.db import transaction
from common.tiers import load_tier
from county_hub import queues
from tests.browser import axe_violations, chromium_path
from tests.helpers import ADMIN_PASSWORD, LiveServer, login, make_node
from tests.township_node.test_window_browser import sign_in

DESK = {"width": 1280, "height": 900}
TOWN, V1, V2 = "371399101", "371399101001", "371399101002"
NAMES = {"371399": "示范县", TOWN: "东岭镇", V1: "东岭村", V2: "西岭村"}


def _seeded(root, tier, people):
    """A TIER node holding the demo history of two villages of one township, told their names."""
    cfg = make_node(root, tier)
    conn = open_db(cfg)
    items = [catalog.item(conn, i["code"]) for i in catalog.items(conn)]
    cal, today = cal_store.load(conn), business_clock.today(cfg)
    with transaction(conn):
        for _, story in history.stories(items, [V1, V2], cal, today):
            for event in story.events:
                applications.ingest(conn, event, trusted=True, route=False)
        places.learn(conn, [(c, n) for c, n in NAMES.items() if c != cfg["code"]], "371399")  # as the links tell
    for username, role in people:
        accounts.add_user(conn, tier, username, username, ADMIN_PASSWORD, [role])
    conn.close()
    return cfg


def _reference(cfg, start, end, keep=lambda doc: True):
    """The straightforward recomputation over the projections (not the SQL sums the page shows)."""
    conn = open_db(cfg)
    docs = [d for d in queues.for_period(conn, start, end) if keep(d)]
    cal = cal_store.load(conn)
    conn.close()
    return stats.totals(stats.figures(docs, cal, start, end, "item", min_sample=1))


@pytest.fixture(scope="module")
def nodes(tmp_path_factory):
    from playwright.sync_api import sync_playwright
    with ExitStack() as stack:
        out = {}
        for tier, people in (("county", [("sup1", "supervisor")]),
                             ("township", [("head1", "township_head"), ("staff1", "township_staff")])):
            cfg = _seeded(tmp_path_factory.mktemp(f"dash-{tier}"), tier, people)
            out[tier] = (cfg, stack.enter_context(LiveServer(load_tier(tier).create_app(cfg))).url)
        p = stack.enter_context(sync_playwright())
        browser = p.chromium.launch(executable_path=chromium_path(), args=["--no-sandbox"])
        stack.callback(browser.close)
        yield browser, out


def _cards(page):
    """{label: (this period, comparison)} as the totals cards read."""
    return page.evaluate("""() => Object.fromEntries([...document.querySelectorAll('#totals li')].map(li => {
      const num = li.querySelector('.num').textContent.trim(), prev = li.querySelector('.prev').textContent.trim();
      const label = li.querySelector('.what').textContent.trim();
      return [label, [num, prev.split(' ').pop()]];
    }))""")


def test_the_county_dashboard_opens_on_this_month_beside_last_month_with_names(nodes):
    browser, found = nodes
    cfg, url = found["county"]
    p = stats.choose_period(business_clock.today(cfg))
    page = sign_in(browser, url, "sup1", DESK)
    page.goto(url + "/dashboard")
    said = page.locator("#period-said").inner_text()
    assert f"本月：{p['start']} 至 {p['end']}" in said and f"上月（{p['prev_start']} 至 {p['prev_end']}）" in said
    now, before = _reference(cfg, p["start"], p["end"]), _reference(cfg, p["prev_start"], p["prev_end"])
    cards = _cards(page)
    assert cards["收件"] == [str(now["received"]), str(before["received"])]
    assert cards["办结"] == [str(now["completed"]), str(before["completed"])]
    assert now["received"] + before["received"] > 10  # the weeks of history are on the page, not 4 of today
    assert page.locator("#periods a[aria-current=page]").inner_text() == "本月"
    assert axe_violations(page) == []
    page.goto(url + "/dashboard?period=last_month&group=village&min_sample=1")
    cells = page.locator("#figures tbody td:first-child .place")
    assert sorted(cells.all_inner_texts()) == ["东岭村", "西岭村"]
    assert sorted(c.get_attribute("title") for c in cells.all()) == [V1, V2]  # the code on hover
    titles = page.locator("svg.chart title").all_text_contents()
    assert any(t.startswith("东岭村 371399101001 ") for t in titles), titles
    sizes = page.evaluate("() => [...document.querySelectorAll('svg.chart text')].map(t => t.getAttribute('font-size'))")
    assert set(sizes) == {"14"}
    assert axe_violations(page) == []
    page.context.close()
    s = requests.Session()
    login(s, url, "sup1")
    for lang, header, yes in (("zh", ["代码", "村", "收件"], {"是", "否"}), ("en", ["Code", "Village", "Received"], {"yes", "no"})):
        text = s.get(url + "/dashboard.csv", params={"period": "last_month", "group": "village", "lang": lang},
                     timeout=30).text
        table = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
        assert table[0][:3] == header and {r[-1] for r in table[1:]} <= yes
        assert {r[1] for r in table[1:]} == {"东岭村", "西岭村"}


def test_the_township_head_has_a_dashboard_of_the_townships_items_and_villages(nodes):
    browser, found = nodes
    cfg, url = found["township"]
    p = stats.choose_period(business_clock.today(cfg))
    page = sign_in(browser, url, "head1", DESK)
    page.get_by_role("link", name="本乡镇绩效").click()
    page.wait_for_load_state("load")
    assert page.url.startswith(url + "/dashboard")
    township_items = lambda doc: doc["item"]["decide_tier"] == "township"  # noqa: E731
    now = _reference(cfg, p["start"], p["end"], township_items)
    before = _reference(cfg, p["prev_start"], p["prev_end"], township_items)
    cards = _cards(page)
    assert cards["收件"] == [str(now["received"]), str(before["received"])]
    assert cards["办结"] == [str(now["completed"]), str(before["completed"])]
    assert before["received"] > 0
    villages = page.locator("#villages tbody td:first-child .place")
    assert sorted(villages.all_inner_texts()) == ["东岭村", "西岭村"]
    assert axe_violations(page) == []
    page.get_by_role("link", name="上月").click()
    page.wait_for_load_state("load")
    assert page.locator("#periods a[aria-current=page]").inner_text() == "上月"
    conn = open_db(cfg)
    decided_here = {i["code"] for i in catalog.items(conn) if i["decide_tier"] == "township"}
    names = {i["name"]: i["code"] for i in catalog.items(conn)}
    conn.close()
    shown = page.locator("#items tbody td:first-child .place").all_inner_texts()
    assert shown and {names[n] for n in shown} <= decided_here  # county items are not the township's to answer for
    assert axe_violations(page) == []
    page.context.close()
    staff = sign_in(browser, url, "staff1", DESK)
    assert staff.get_by_role("link", name="本乡镇绩效").count() == 0
    assert staff.goto(url + "/dashboard").status == 403
    staff.context.close()
    s = requests.Session()
    login(s, url, "head1")
    r = s.get(url + "/dashboard.csv", params={"table": "villages", "lang": "en"}, timeout=30)
    assert next(csv.reader(io.StringIO(r.text.lstrip("\ufeff"))))[:2] == ["Code", "Village"]
