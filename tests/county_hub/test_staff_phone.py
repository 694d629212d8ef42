"""Hostile and careless use of staff mobile numbers (issue 20.11): what an administrator may type, and who sees a number."""
import pytest
import requests

from common import accounts
from common.node import open_db
from common.store import users
from common.tiers import load_tier
from tests.helpers import ADMIN_PASSWORD, LiveServer, csrf_from, login, make_node


@pytest.fixture(scope="module")
def county(tmp_path_factory):
    cfg = make_node(tmp_path_factory.mktemp("phone-attack"), "county")
    conn = open_db(cfg)
    accounts.add_user(conn, "county", "rs1", "人社审批", ADMIN_PASSWORD, ["county_approver:RS"], phone="13700001111")
    accounts.add_user(conn, "county", "sup1", "监察", ADMIN_PASSWORD, ["supervisor"])
    conn.close()
    with LiveServer(load_tier("county").create_app(cfg)) as srv:
        yield srv.url, cfg


def _admin(url):
    s = requests.Session()
    login(s, url, "admin")
    return s, csrf_from(s.get(url + "/admin/staff", timeout=10).text)


def _phone(cfg, who):
    conn = open_db(cfg)
    try:
        return users.by_username(conn, who)["phone"]
    finally:
        conn.close()


@pytest.mark.parametrize("typed", ["１３７００００２２２２",          # full-width digits, as a Chinese input method gives them
                                   "137\u00a00000\u00a02222",        # a number pasted from a spreadsheet (no-break spaces)
                                   "+86 137 0000 2222"])             # the country code on a business card
def test_a_mobile_typed_as_people_type_it_is_taken(county, typed):
    url, cfg = county
    s, token = _admin(url)
    r = s.post(url + "/admin/staff/rs1/phone", data={"phone": typed, "csrf_token": token}, timeout=10,
               allow_redirects=False)
    assert r.status_code == 302 and _phone(cfg, "rs1") == "13700002222", (r.status_code, _phone(cfg, "rs1"))


@pytest.mark.parametrize("bad", ["12345", "1370000111x", "<b>13700001111</b>", "1" * 5000, "23700001111"])
def test_a_bad_number_is_refused_clearly_and_nothing_is_changed(county, bad):
    url, cfg = county
    before = _phone(cfg, "rs1")
    s, token = _admin(url)
    r = s.post(url + "/admin/staff/rs1/phone", data={"phone": bad, "csrf_token": token}, timeout=10,
               allow_redirects=False)
    assert r.status_code == 400 and "11 位" in r.text and _phone(cfg, "rs1") == before


def test_the_refused_number_is_shown_back_to_be_corrected(county):
    url, cfg = county
    s, token = _admin(url)
    r = s.post(url + "/admin/staff/rs1/phone", data={"phone": "1370000111", "csrf_token": token}, timeout=10)
    assert r.status_code == 400 and 'value="1370000111"' in r.text  # bad input loses nothing


def test_only_an_administrator_sets_a_number_and_sees_one(county):
    url, cfg = county
    s = requests.Session()
    login(s, url, "sup1")
    token = s.get(url + "/api/v1/me", timeout=10).json()["csrf_token"]
    r = s.post(url + "/admin/staff/rs1/phone", data={"phone": "13700009999", "csrf_token": token}, timeout=10,
               allow_redirects=False)
    assert r.status_code == 403 and _phone(cfg, "rs1") != "13700009999"
    for path in ("/", "/supervision", "/dashboard", "/api/v1/me"):
        assert _phone(cfg, "rs1") not in s.get(url + path, timeout=10).text, path


def test_a_phone_change_is_audited_without_the_number(county):
    url, cfg = county
    s, token = _admin(url)
    s.post(url + "/admin/staff/sup1/phone", data={"phone": "13700003333", "csrf_token": token}, timeout=10)
    conn = open_db(cfg)
    rows = conn.execute("SELECT * FROM audit_log WHERE action = 'user.phone_set'").fetchall()
    conn.close()
    assert rows and all("13700003333" not in str(dict(r)) for r in rows)
