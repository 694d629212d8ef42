"""Hostile and careless use of the dashboards (issues 20.12, 20.14): query arguments echoed into links, and who may look."""
import re

import pytest
import requests

from common import accounts
from common.node import open_db
from common.tiers import load_tier
from tests.helpers import ADMIN_PASSWORD, LiveServer, login, make_node


@pytest.fixture(scope="module")
def county(tmp_path_factory):
    cfg = make_node(tmp_path_factory.mktemp("dash-attack-c"), "county")
    conn = open_db(cfg)
    accounts.add_user(conn, "county", "sup1", "监察", ADMIN_PASSWORD, ["supervisor"])
    conn.close()
    with LiveServer(load_tier("county").create_app(cfg)) as srv:
        s = requests.Session()
        login(s, srv.url, "sup1")
        yield srv.url, s


@pytest.fixture(scope="module")
def township(tmp_path_factory):
    cfg = make_node(tmp_path_factory.mktemp("dash-attack-t"), "township")
    conn = open_db(cfg)
    accounts.add_user(conn, "township", "head1", "乡镇长", ADMIN_PASSWORD, ["township_head"])
    accounts.add_user(conn, "township", "win1", "窗口", ADMIN_PASSWORD, ["township_staff"])
    conn.close()
    with LiveServer(load_tier("township").create_app(cfg)) as srv:
        s = requests.Session()
        login(s, srv.url, "head1")
        yield srv.url, s


@pytest.mark.parametrize("args", [{"table": "villages"}, {"endpoint": "x"}, {"_method": "POST"}])
def test_the_township_dashboard_with_an_extra_argument_is_no_500(township, args):
    url, s = township
    r = s.get(url + "/dashboard", params=args, timeout=10)
    assert r.status_code < 500, (args, r.status_code)


@pytest.mark.parametrize("args", [{"endpoint": "x"}, {"_method": "POST"}])
def test_the_county_dashboard_with_an_extra_argument_is_no_500(county, args):
    url, s = county
    r = s.get(url + "/dashboard", params=args, timeout=10)
    assert r.status_code < 500, (args, r.status_code)


def test_the_csv_link_cannot_be_pointed_at_another_scheme_or_host(county):
    url, s = county
    r = s.get(url + "/dashboard", params={"_external": "1", "_scheme": "javascript"}, timeout=10)
    hrefs = re.findall(r'href="([^"]*dashboard\.csv[^"]*)"', r.text)
    # (Flask keeps the request's own scheme and host: an absolute link to the same page, no javascript:)
    assert hrefs and not any(h.lower().startswith("javascript") for h in hrefs), hrefs


def test_only_the_head_opens_the_township_dashboard(township):
    url, _ = township
    s = requests.Session()
    login(s, url, "win1")
    assert s.get(url + "/dashboard", timeout=10).status_code == 403
    assert s.get(url + "/dashboard.csv", timeout=10).status_code == 403


@pytest.mark.parametrize("args", [{"from": "2000-01-01", "to": "2027-12-31"}, {"period": "year"}])
def test_a_long_period_answers_quickly_and_names_its_columns(county, args):
    import time
    url, s = county
    t = time.monotonic()
    r = s.get(url + "/api/v1/dashboard", params=args, timeout=30)
    assert r.status_code in (200, 400) and time.monotonic() - t < 3
