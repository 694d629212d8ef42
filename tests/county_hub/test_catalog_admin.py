"""Catalog items edited one by one on the web, each save published to a running township at once."""
import html
import json
import re
import sqlite3

import pytest

from common.node import open_db
from tests.county_hub.test_admin import admin_session, post
from tests.helpers import wait_for
from tests.sync.netutil import NodeProcess, count, make_network
from tests.township_node.test_window_network import web

T = "371399101"


@pytest.fixture(scope="module")
def net(tmp_path_factory):
    net = make_network(tmp_path_factory.mktemp("items-net"), villages=0)
    procs = {code: NodeProcess(cfg).start() for code, cfg in net.items()}
    yield net, procs
    for p in procs.values():
        p.stop()


def fields_of(page):
    """The edit form's values as a browser would send them."""
    out = {m[0]: m[1] for m in re.findall(r'<input id="f-[^"]*" name="([^"]+)" type="[^"]+" value="([^"]*)"', page)}
    out.update({m[0]: m[1] for m in re.findall(r'<textarea id="f-[^"]*" name="([^"]+)"[^>]*>(.*?)</textarea>', page, re.S)})
    out.update({m[0]: m[1] for m in re.findall(r'<select id="f-[^"]*" name="([^"]+)">.*?<option value="([^"]*)" selected', page, re.S)})
    out["base_version"] = re.search(r'name="base_version" value="(\d+)"', page)[1]
    if re.search(r'name="proxy_allowed" checked', page):
        out["proxy_allowed"] = "on"
    return {k: html.unescape(v) for k, v in out.items()}


def item_at(cfg, code, version):
    conn = open_db(cfg)
    try:
        row = conn.execute("SELECT doc FROM catalog_items WHERE version = ? AND code = ?", (version, code)).fetchone()
        return json.loads(row[0]) if row else None
    finally:
        conn.close()


def test_an_item_edited_on_the_web_reaches_the_township_and_bad_saves_keep_what_was_typed(net):
    net, procs = net
    url = web(procs["county"])
    s = admin_session(url)
    wait_for(lambda: count(net[T], "SELECT COUNT(*) FROM sync_links WHERE state = 'up'") == 1, timeout=30,
             what="the township linked")
    listing = s.get(url + "/admin/catalog/items/?department=RS", timeout=10).text
    assert "RS-003" in listing and "MZ-001" not in listing
    page = s.get(url + "/admin/catalog/items/RS-003", timeout=10)
    form = fields_of(page.text)
    assert form["name"] == "社会保障卡申领" and form["promised_days"] == "10" and "- id:" in form["flow"]
    v1 = int(form["base_version"])

    bad = post(s, url, "/admin/catalog/items/RS-003", dict(form, promised_days="30", name="改名了"))
    assert bad.status_code == 400 and "<title>错误" in bad.text and "promised_days" in bad.text
    assert fields_of(bad.text)["name"] == "改名了"  # what was typed stays on the page
    broken = post(s, url, "/admin/catalog/items/RS-003", dict(form, flow="- id: [oops"))
    assert broken.status_code == 400 and 'aria-invalid="true"' in broken.text and "[oops" in broken.text
    assert count(net["county"], "SELECT MAX(version) FROM catalog_versions") == v1

    ok = post(s, url, "/admin/catalog/items/RS-003", dict(form, promised_days="8", fee="5", keywords="社保卡\n补办社保卡"))
    assert ok.status_code == 200 and f"第 {v1 + 1} 版" in ok.text
    wait_for(lambda: item_at(net[T], "RS-003", v1 + 1) is not None, timeout=30, what="the edit at the township")
    at_township = item_at(net[T], "RS-003", v1 + 1)
    assert (at_township["promised_days"], at_township["fee"], at_township["keywords"]) == (8, 5.0, ["社保卡", "补办社保卡"])
    assert "bu ban she bao ka" in " ".join(at_township["search_terms"]) or "bbsbk" in at_township["search_terms"]

    stale = post(s, url, "/admin/catalog/items/RS-003", dict(form, name="另一人的修改"))  # opened on v1
    assert stale.status_code == 409 and fields_of(stale.text)["name"] == "另一人的修改"
    assert item_at(net["county"], "RS-003", v1 + 1)["name"] == "社会保障卡申领"

    copy = fields_of(s.get(url + "/admin/catalog/items/new?from=RS-003", timeout=10).text)
    assert copy["code"] == "" and copy["name"] == "社会保障卡申领"
    taken = post(s, url, "/admin/catalog/items/new", dict(copy, code="RS-003"))
    assert taken.status_code == 409
    added = post(s, url, "/admin/catalog/items/new", dict(copy, code="RS-103", name="社会保障卡补办"))
    assert added.status_code == 200 and "RS-103" in added.text
    r = post(s, url, "/admin/catalog/items/RS-103/retire", {"base_version": str(v1 + 2)})
    assert r.status_code == 200 and "已停用 RS-103" in r.text
    wait_for(lambda: count(net[T], "SELECT MAX(version) FROM catalog_versions") == v1 + 3, timeout=30,
             what="the retirement at the township")
    assert item_at(net[T], "RS-103", v1 + 2) and item_at(net[T], "RS-103", v1 + 3) is None
    with sqlite3.connect(net["county"].db_path) as db:
        actions = [r[0] for r in db.execute("SELECT action FROM audit_log WHERE action LIKE 'catalog.item%' ORDER BY seq")]
    assert actions == ["catalog.item_edited", "catalog.item_added", "catalog.item_retired"]
