"""Long lists come a page at a time over HTTP (common/paging.py): the township's history, the clerk's list,
the audit log. Every row appears on exactly one page, in the list's order."""
import re

import requests

from common.hlc import Clock
from common.node import open_db
from common.paging import PAGE
from common.store import applications, catalog
from common.tiers import load_tier
from tests.helpers import CODES, LiveServer, login, make_node
from tests.village_kiosk.test_status import APPLICANT

N = 2 * PAGE + 30


def seeded(tmp_path, tier, origin):
    cfg = make_node(tmp_path, tier)
    conn = open_db(cfg)
    clock, item = Clock(origin), catalog.item(conn, "MZ-002")
    codes = [applications.submit(conn, clock, origin, "kiosk", item, APPLICANT,
                                 {"reason": "突发疾病", "amount": "800"})["tracking_code"] for _ in range(N)]
    conn.close()
    return cfg, codes[::-1]  # newest first


def pages(s, url, params=None):
    """The tracking codes on each HTML page, following the pager's 下一页 link until there is none."""
    out, page = [], 1
    while True:
        text = s.get(url, params=dict(params or {}, page=page), timeout=10).text
        out.append(re.findall(r">([0-9A-Z]{5}-[0-9A-Z]{5})</a>", text))
        if "下一页" not in text:
            return out
        page += 1


def test_the_township_history_is_paged_newest_first_in_html_and_json(tmp_path):
    cfg, codes = seeded(tmp_path, "township", CODES["township"])
    with LiveServer(load_tier("township").create_app(cfg)) as srv:
        s = requests.Session()
        login(s, srv.url)
        got = pages(s, srv.url + "/", {"scope": "all"})
        assert [len(p) for p in got] == [PAGE, PAGE, 30]
        assert sum(got, []) == codes
        api = [s.get(srv.url + "/api/v1/window/applications", params={"scope": "all", "page": k}, timeout=10).json()
               for k in (1, 3, 4)]
        assert [len(a["applications"]) for a in api] == [PAGE, 30, 0]
        assert [a["more"] for a in api] == [True, False, False]
        assert [r["tracking_code"] for r in api[1]["applications"]] == codes[2 * PAGE:]
        # A filter is kept across pages; a silly page number is page 1 or an empty page, never an error.
        got = pages(s, srv.url + "/", {"scope": "all", "item": "MZ-002"})
        assert sum(got, []) == codes
        assert s.get(srv.url + "/", params={"scope": "all", "page": "x"}, timeout=10).status_code == 200
        assert s.get(srv.url + "/", params={"scope": "all", "page": "99999999"}, timeout=10).status_code == 200


def test_the_clerks_list_is_paged_newest_first(tmp_path):
    cfg, codes = seeded(tmp_path, "village", CODES["village"])
    with LiveServer(load_tier("village").create_app(cfg)) as srv:
        s = requests.Session()
        login(s, srv.url)
        got = pages(s, srv.url + "/clerk/")
        assert [len(p) for p in got] == [PAGE, PAGE, 30] and sum(got, []) == codes
        api = s.get(srv.url + "/api/v1/applications", params={"limit": 50, "page": 5}, timeout=10).json()
        assert [r["tracking_code"] for r in api["applications"]] == codes[200:230] and api["more"] is False


def test_the_audit_log_is_paged_and_filtered_by_target(tmp_path):
    cfg, codes = seeded(tmp_path, "township", CODES["township"])
    conn = open_db(cfg)
    one = conn.execute("SELECT id FROM applications WHERE tracking_code = ?", (codes[5],)).fetchone()[0]
    total = conn.execute("SELECT COUNT(*) FROM audit_log").fetchone()[0]
    conn.close()
    with LiveServer(load_tier("township").create_app(cfg)) as srv:
        s = requests.Session()
        login(s, srv.url)
        seqs, params = [], {}
        for _ in range(10):  # the log grows while it is read (each view is audited): paged by seq
            text = s.get(srv.url + "/admin/audit", params=params, timeout=10).text
            assert "哈希链完整" in text
            seqs += [int(x) for x in re.findall(r'<tr><td data-label="#">(\d+)</td>', text)]
            older = re.search(r'href="[^"]*before=(\d+)[^"]*">更早的记录', text)
            if not older:
                break
            params = {"before": older[1]}
        assert seqs == sorted(set(seqs), reverse=True) and seqs[-1] == 1 and len(seqs) >= total
        text = s.get(srv.url + "/admin/audit", params={"target": one}, timeout=10).text
        assert re.findall(r'data-code="application\.submitted">[^<]*</td>\s*<td data-label="[^"]*">([^<]+)</td>', text) == [one]


def test_a_case_that_moves_between_two_pages_is_neither_skipped_nor_shown_twice(tmp_path):
    from township_node import window_store
    cfg, codes = seeded(tmp_path, "township", CODES["township"])
    conn = open_db(cfg)
    first = window_store.inbox(conn, cfg["code"], scope="all", limit=PAGE, offset=0)
    applications.append(conn, Clock(cfg["code"]), cfg["code"], first[0]["id"], "received", "system", {})
    second = window_store.inbox(conn, cfg["code"], scope="all", limit=PAGE, offset=PAGE)
    assert [r["tracking_code"] for r in first + second] == codes[:2 * PAGE]
