"""Hostile and careless use of 督办/催办 (issue 20.11): who may urge, what a body may hold, and how many texts one supervisor can cause."""
import pytest
import requests

from common import accounts
from common.hlc import Clock
from common.node import open_db
from common.store import applications as apps
from common.store import catalog, places
from common.store.db import transaction
from common.tiers import load_tier
from county_hub import sms_store
from county_hub.supervision import ACTOR
from tests.helpers import ADMIN_PASSWORD, LiveServer, login, make_node

T, V = "371399101", "371399101001"


def _township_case(conn, cfg):
    """A red case the township holds (received there, not forwarded), as the county knows it."""
    doc = apps.submit(conn, Clock(V), V, "kiosk", catalog.item(conn, "MZ-002"),
                      {"name": "钱七", "id_number": "11010519440119002X", "phone": "13700004321"},
                      {"reason": "突发疾病", "amount": "800"})
    apps.ingest(conn, {"id": f"rcv-{doc['id']}", "app_id": doc["id"], "origin": T,
                       "hlc": Clock(T, last=doc["last_hlc"]).now(), "actor": "win1", "type": "received",
                       "payload": {}})
    apps.append(conn, Clock(cfg["code"]), cfg["code"], doc["id"], "warning_raised", ACTOR,
                {"level": "red", "reason": "已超期 1 个工作日", "due_on": "2026-01-05", "on": "2026-01-06"})
    with transaction(conn):
        places.learn(conn, [(T, "石桥镇")], T)
    return doc


def _case(conn, cfg, warned=True, finish=False):
    doc = apps.submit(conn, Clock(V), V, "kiosk", catalog.item(conn, "RS-003"),
                      {"name": "钱七", "id_number": "11010519440119002X", "phone": "13700004321"},
                      {"delivery": "乡镇便民服务中心领取"})
    apps.ingest(conn, {"id": f"fwd-{doc['id']}", "app_id": doc["id"], "origin": T,
                       "hlc": Clock(T, last=doc["last_hlc"]).now(), "actor": "system", "type": "forwarded",
                       "payload": {}})
    clock = Clock(cfg["code"])
    apps.append(conn, clock, cfg["code"], doc["id"], "accepted", "rs1")
    if warned:
        apps.append(conn, clock, cfg["code"], doc["id"], "warning_raised", ACTOR,
                    {"level": "red", "reason": "已超期 1 个工作日", "due_on": "2026-01-05", "on": "2026-01-06"})
    return doc


@pytest.fixture(scope="module")
def county(tmp_path_factory):
    cfg = make_node(tmp_path_factory.mktemp("urge-attack"), "county", sms_gateway="file", sms_sign="【示范县】")
    conn = open_db(cfg)
    accounts.add_user(conn, "county", "rs1", "人社审批", ADMIN_PASSWORD, ["county_approver:RS"], phone="13700001111")
    accounts.add_user(conn, "county", "sup1", "监察", ADMIN_PASSWORD, ["supervisor"])
    cases = {"red": _case(conn, cfg), "red2": _case(conn, cfg), "plain": _case(conn, cfg, warned=False),
             "town": _township_case(conn, cfg)}
    conn.close()
    with LiveServer(load_tier("county").create_app(cfg)) as srv:
        yield srv.url, cfg, cases


def _session(url, who):
    s = requests.Session()
    assert login(s, url, who).status_code == 200
    s.headers["X-CSRF-Token"] = s.get(url + "/api/v1/me", timeout=10).json()["csrf_token"]
    return s


def _texts(cfg, app_id):
    conn = open_db(cfg)
    try:
        return [r for r in sms_store.for_application(conn, app_id) if r["template"] == "urged_staff"]
    finally:
        conn.close()


@pytest.mark.parametrize("body", [{"kind": ["duban"], "note": "请办"}, {"kind": {"a": 1}, "note": "请办"},
                                  {"kind": "duban", "note": ["请办"]}, {"kind": None, "note": None}, {}])
def test_a_malformed_urge_body_is_a_4xx_never_a_500(county, body):
    url, cfg, cases = county
    s = _session(url, "sup1")
    r = s.post(f"{url}/api/v1/supervision/urge/{cases['red2']['id']}", json=body, timeout=10)
    assert 400 <= r.status_code < 500, (r.status_code, r.text[:300])
    assert _texts(cfg, cases["red2"]["id"]) == []  # nothing sent for a refused urge


def test_the_form_with_a_list_kind_is_a_4xx(county):
    url, cfg, cases = county
    s = _session(url, "sup1")
    r = s.post(f"{url}/cases/{cases['red2']['id']}/urge", data={"kind": ["duban", "cuiban"], "note": "请办",
                                                               "csrf_token": s.headers["X-CSRF-Token"]}, timeout=10)
    assert r.status_code < 500


@pytest.mark.parametrize("who", ["admin", "rs1"])
def test_only_a_supervisor_urges(county, who):
    url, cfg, cases = county
    s = _session(url, who)
    r = s.post(f"{url}/api/v1/supervision/urge/{cases['red']['id']}", json={"kind": "duban", "note": "x"}, timeout=10)
    assert r.status_code == 403


def test_an_urge_without_the_csrf_token_is_refused(county):
    url, cfg, cases = county
    s = _session(url, "sup1")
    del s.headers["X-CSRF-Token"]
    r = s.post(f"{url}/cases/{cases['red']['id']}/urge", data={"kind": "duban", "note": "x"}, timeout=10,
               allow_redirects=False)
    assert r.status_code in (400, 403)
    assert apps.get(open_db(cfg), cases["red"]["id"]).get("urges", 0) == 0


def test_an_unwarned_case_cannot_be_urged(county):
    url, cfg, cases = county
    s = _session(url, "sup1")
    r = s.post(f"{url}/api/v1/supervision/urge/{cases['plain']['id']}", json={"kind": "duban", "note": "x"}, timeout=10)
    assert r.status_code == 403 and "message" in r.text


def test_a_double_submitted_urge_does_not_text_the_approver_twice(county):
    """A careless double click (or a script) on 发出督办: every post is a new event and a new text to each approver."""
    url, cfg, cases = county
    s = _session(url, "sup1")
    for _ in range(2):
        r = s.post(f"{url}/api/v1/supervision/urge/{cases['red']['id']}", json={"kind": "duban", "note": "请办结"},
                   timeout=10)
        assert r.status_code in (200, 409, 429)
    assert len(_texts(cfg, cases["red"]["id"])) <= 1


def test_urges_of_one_case_are_bounded(county):
    """No resource one account can grow without limit: 60 urges of one case in a minute."""
    url, cfg, cases = county
    s = _session(url, "sup1")
    codes = [s.post(f"{url}/api/v1/supervision/urge/{cases['red']['id']}", json={"kind": "cuiban", "note": f"第{n}次"},
                    timeout=10).status_code for n in range(60)]
    doc = apps.get(open_db(cfg), cases["red"]["id"])
    assert doc["urges"] < 60 and len(_texts(cfg, cases["red"]["id"])) < 60, (doc["urges"], codes[-5:])


def test_the_urge_on_the_case_page_names_the_office_and_the_supervisor(county):
    """The case page says whom the urge went to: 石桥镇 (its name is known here), not a bare 371399101."""
    url, cfg, cases = county
    s = _session(url, "sup1")
    r = s.post(f"{url}/api/v1/supervision/urge/{cases['town']['id']}", json={"kind": "duban", "note": "请办结"},
               timeout=10)
    assert r.status_code == 200 and r.json()["texted"] is None
    page = s.get(f"{url}/cases/{cases['town']['id']}", timeout=10).text
    panel = page[page.index('id="urged"'):][:1500]
    assert "石桥镇" in panel, panel
    assert "监察" in panel  # the supervisor's name (display name 监察), not the login sup1


@pytest.mark.parametrize("form", [{}, {"yellow_days_left": "-1", "repeat_supplements": "2", "rectify_days": "5"},
                                  {"yellow_days_left": "9" * 400, "repeat_supplements": "2", "rectify_days": "5"},
                                  {"yellow_days_left": "3.5", "repeat_supplements": "2", "rectify_days": "5"},
                                  {"yellow_days_left": "3", "repeat_supplements": "2", "rectify_days": "0"}])
def test_the_rules_page_refuses_bad_values_and_keeps_the_rules(county, form):
    url, cfg, cases = county
    s = _session(url, "sup1")
    before = s.get(url + "/api/v1/supervision/rules", timeout=10).json()
    r = s.post(url + "/supervision/rules", data=dict(form, csrf_token=s.headers["X-CSRF-Token"]), timeout=10,
               allow_redirects=False)
    assert r.status_code == 400 and s.get(url + "/api/v1/supervision/rules", timeout=10).json() == before


def test_an_approver_cannot_change_the_rules(county):
    url, cfg, cases = county
    s = _session(url, "rs1")
    r = s.post(url + "/supervision/rules", data={"yellow_days_left": "0", "repeat_supplements": "0",
                                                 "rectify_days": "1", "csrf_token": s.headers["X-CSRF-Token"]},
               timeout=10, allow_redirects=False)
    assert r.status_code == 403
