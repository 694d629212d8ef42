"""Real-browser helpers: Debian's chromium through Playwright, axe-core checks, kiosk measurements."""
import shutil
from contextlib import contextmanager

import pytest

AXE_OPTIONS = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21aa", "wcag22aa"]},
               "rules": {"target-size": {"enabled": True}}}
PORTRAIT, LANDSCAPE = {"width": 1080, "height": 1920}, {"width": 1920, "height": 1080}

# Every visible text element's computed size and line height, and every visible control's box.
MEASURE_JS = """() => {
  const visible = el => { const r = el.getBoundingClientRect(); const s = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none'; };
  const text = [], small = [], tight = [], targets = [];
  for (const el of document.querySelectorAll('main *, header *')) {
    if (!visible(el)) continue;
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    const s = getComputedStyle(el);
    if (own) {
      const size = parseFloat(s.fontSize);
      const lh = s.lineHeight === 'normal' ? 1.2 * size : parseFloat(s.lineHeight);
      text.push(size);
      if (size < 24) small.push([el.tagName, el.textContent.trim().slice(0, 30), size]);
      if (lh / size < 1.3) tight.push([el.tagName, el.textContent.trim().slice(0, 30), lh / size]);
    }
    if (el.matches('a, button, input, select, textarea, [role=button]')) {
      const r = el.getBoundingClientRect();
      if (r.width < 60 || r.height < 60) targets.push([el.tagName, el.textContent.trim().slice(0, 30), r.width, r.height]);
    }
  }
  return {count: text.length, small, tight, targets};
}"""


def chromium_path():
    """Debian's chromium; the test command installs it, so its absence is a failure, not a skip."""
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        pytest.fail("chromium is not installed: run `bash scripts/test.sh` (it installs Debian's chromium)")
    return path


def axe_violations(page):
    """axe-core violations on PAGE (WCAG 2.0–2.2 A/AA with target-size), as (rule id, first target) pairs."""
    from axe_playwright_python.sync_playwright import Axe
    result = Axe().run(page, options=AXE_OPTIONS)
    return [(v["id"], v["nodes"][0]["target"] if v["nodes"] else None) for v in result.response["violations"]]


def check_screen(page, what):
    """axe-core and the 适老化 numbers (text size, line height, 60 px targets) on the screen PAGE shows now."""
    page.wait_for_load_state("load")  # a click returns once navigation commits; the stylesheet may still be coming
    assert axe_violations(page) == [], what
    m = page.evaluate(MEASURE_JS)
    assert (m["small"], m["tight"], m["targets"]) == ([], [], []), (what, m)


def until(page, expression, timeout=10.0, what=None):
    """Poll the JS EXPRESSION in PAGE until it is truthy (with a deadline); returns its value.

    page.wait_for_function evaluates through eval(), which our Content-Security-Policy forbids;
    page.evaluate does not, so the polling is done from here.
    """
    from tests.helpers import wait_for
    return wait_for(lambda: page.evaluate(expression), timeout=timeout, interval=0.05, what=what or expression)


def focus_is_on_error_summary(page, timeout=5.0):
    """Wait (with a deadline) until the error summary holds the focus, as GOV.UK's pattern requires."""
    return until(page, "!!document.activeElement && document.activeElement.getAttribute('role') === 'alert'",
                 timeout, "focus on the error summary")


@contextmanager
def served(cfg, tier):
    """(browser, url): TIER's app for CFG on a real waitress server, and Debian's chromium to drive it."""
    from playwright.sync_api import sync_playwright

    from common.tiers import load_tier
    from tests.helpers import LiveServer
    with LiveServer(load_tier(tier).create_app(cfg)) as srv, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=["--no-sandbox"])
        try:
            yield browser, srv.url
        finally:
            browser.close()


def staffed_node(root, tier, people, item, form, then, applicant=None):
    """A TIER node under ROOT with PEOPLE [(username, role spec)] holding one village application of ITEM.

    THEN(conn, cfg, doc) adds what the link would have delivered next; APPLICANT adds to (or replaces) the
    applicant's answers (a company's, for a company item). Returns (cfg, doc).
    """
    from common import accounts
    from common.hlc import Clock
    from common.node import open_db
    from common.store import applications, catalog
    from tests.helpers import ADMIN_PASSWORD, make_node
    cfg = make_node(root, tier)
    conn = open_db(cfg)
    for username, spec in people:
        accounts.add_user(conn, tier, username, username, ADMIN_PASSWORD, [spec])
    village = "371399101001"
    doc = applications.submit(conn, Clock(village), village, "kiosk", catalog.item(conn, item),
                              dict({"name": "钱七", "id_number": "11010519440119002X", "phone": "13700004321"},
                                   **(applicant or {})), form)
    then(conn, cfg, doc)
    conn.close()
    return cfg, doc
