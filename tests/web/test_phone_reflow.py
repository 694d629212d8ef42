"""Every staff page reflows on a phone (390×844, WCAG 1.4.10): no sideways scroll, no header squeezed
to one character a line. Each tier's every role signs in and opens every GET page its role may open,
taken from the app's URL map (path parameters filled from the data made here), in one chromium."""
from contextlib import ExitStack

import pytest

from common.hlc import Clock
from common.node import open_db
from common.roles import roles_for_tier
from common.store import applications as apps
from common.store.db import transaction
from common.tiers import load_tier
from common.web.access import AUTHENTICATED, PUBLIC
from sync import store as sync_store
from tests.browser import axe_violations, chromium_path, staffed_node
from tests.helpers import LiveServer
from tests.township_node.test_window_browser import sign_in

PHONE = {"width": 390, "height": 844}
TOWNSHIP = "371399101"
# (item, form, spec of the department role) for each tier's one application.
CASES = {"county": ("RS-003", {"delivery": "乡镇便民服务中心领取"}, "county_approver:RS"),
         "township": ("MZ-001", {"bank_account": "6222020200112233445"}, None),
         "village": ("MZ-001", {"bank_account": "6222020200112233445"}, None)}
# Pages where a long list or query shows what an empty one would hide.
VARIANTS = {"/": ("?scope=all",), "/cases/find": ("?q=钱七",)}
# Pages whose tables became cards for this test: axe-core checks them too, at phone width, once a tier.
AXE_PAGES = {"/admin/nodes", "/admin/quarantine", "/admin/audit", "/clerk/", "/dashboard"}

# Width the page takes, and every visible cell too narrow for three characters of its text a line
# (a header or a name stacked a character a line, the way a squeezed table shows it).
MEASURE = """() => {
  const squeezed = [...document.querySelectorAll('th, td, dt')].filter(el => {
    const s = getComputedStyle(el), size = parseFloat(s.fontSize), text = el.textContent.trim();
    const inner = el.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight);
    return el.getClientRects().length > 0 && text.length > 1 && inner < 0.95 * size * Math.min(text.length, 3);
  }).map(el => el.textContent.trim().slice(0, 20));
  return {width: document.documentElement.scrollWidth, squeezed};
}"""


def _arrived(conn, cfg, doc, tier):
    """What the links would have delivered: the township received it, and passed it on to the county."""
    if tier == "township":
        apps.append(conn, Clock(cfg["code"], last=doc["last_hlc"]), cfg["code"], doc["id"], "received", "system")
    if tier == "county":
        apps.ingest(conn, {"id": "fwd-1", "app_id": doc["id"], "origin": TOWNSHIP, "actor": "system",
                           "hlc": Clock(TOWNSHIP, last=doc["last_hlc"]).now(), "type": "forwarded", "payload": {}})
    with transaction(conn):  # a stranger's key and a link on /admin/nodes, a message held on /admin/quarantine
        sync_store.seen_key(conn, "K" * 40, "371399101001", "10.0.0.7")
        sync_store.link(conn, "371399101001")
        sync_store.quarantine(conn, "371399101001", 7, "event", "m-7", b"\xc1 not msgpack", "ValidationError: 未知类型")


def _node(root, tier):
    """TIER's node with one staff account per role (the admin exists), one application and its values."""
    item, form, dept = CASES[tier]
    people = [(f"u_{r}", dept if r == "county_approver" else r) for r in roles_for_tier(tier) if r != "admin"]
    cfg, doc = staffed_node(root, tier, people, item, form, lambda c, g, d: _arrived(c, g, d, tier))
    conn = open_db(cfg)
    qid = conn.execute("SELECT id FROM sync_quarantine").fetchone()[0]
    conn.close()
    return cfg, ["admin"] + [u for u, _ in people], {"app_id": doc["id"], "code": item, "qid": qid}


@pytest.fixture(scope="module")
def network(tmp_path_factory):
    """Each tier's app on a real waitress server, and one chromium to drive them all."""
    from playwright.sync_api import sync_playwright
    with ExitStack() as stack:
        nodes = {}
        for tier in CASES:
            cfg, users, values = _node(tmp_path_factory.mktemp(f"reflow-{tier}"), tier)
            app = load_tier(tier).create_app(cfg)
            nodes[tier] = (app, stack.enter_context(LiveServer(app)).url, users, values)
        p = stack.enter_context(sync_playwright())
        browser = p.chromium.launch(executable_path=chromium_path(), args=["--no-sandbox"])
        stack.callback(browser.close)
        yield browser, nodes


def staff_pages(app, role, values):
    """The paths of every HTML page ROLE may GET on APP (its URL map's rules, parameters filled from VALUES)."""
    out = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        access = getattr(app.view_functions[rule.endpoint], "_sanji_access", PUBLIC)
        if "GET" not in rule.methods or rule.rule.startswith("/api/") or access == PUBLIC:
            continue
        if access != AUTHENTICATED and role not in access:
            continue
        if "sha" in rule.arguments or "." in rule.rule.rsplit("/", 1)[-1]:  # a stored photo, a CSV: not pages
            continue
        missing = rule.arguments - values.keys()
        assert not missing, f"{rule.rule}: give test_phone_reflow a value for {missing}"
        path = rule.rule.replace("<", "{").replace(">", "}").format(**values)
        out += [path] + [path + v for v in VARIANTS.get(rule.rule, ())]
    return out


def _role(user):
    return "admin" if user == "admin" else user[2:]


@pytest.mark.parametrize("tier", list(CASES))
def test_every_staff_page_reflows_at_phone_width(network, tier):
    browser, nodes = network
    app, url, users, values = nodes[tier]
    too_wide, squeezed, seen, axed = [], [], 0, set()
    if tier in ("county", "township"):  # each dashboard is walked (the township head's since issue 20.14)
        assert "/dashboard" in staff_pages(app, "supervisor" if tier == "county" else "township_head", values)
    for user in users:
        page = sign_in(browser, url, user, PHONE)
        for path in staff_pages(app, _role(user), values):
            response = page.goto(url + path)
            if "text/html" not in response.headers.get("content-type", ""):
                continue
            assert response.status < 500, (user, path, response.status)
            m = page.evaluate(MEASURE)
            seen += 1
            if m["width"] > PHONE["width"]:
                too_wide.append((user, path, m["width"]))
            if m["squeezed"]:
                squeezed.append((user, path, m["squeezed"]))
            if path in AXE_PAGES - axed:
                axed.add(path)
                assert axe_violations(page) == [], (user, path)
        page.context.close()
    assert seen >= len(users) * 2 and axed, (seen, axed)
    assert (too_wide, squeezed) == ([], []), (f"wider than the phone (user, page, px): {too_wide}; "
                                              f"cells squeezed to a character or two a line: {squeezed}")
