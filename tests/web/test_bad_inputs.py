"""Bad input found by fuzzing gets a 4xx that says the fix, never a 500, and is not stored (issue 17)."""
import requests

from common.node import open_db
from common.tiers import load_tier
from county_hub import supervision
from tests.helpers import ADMIN_PASSWORD, LiveServer, make_node


def _signed_in(url):
    s = requests.Session()
    me = s.post(url + "/api/v1/session", json={"username": "admin", "password": ADMIN_PASSWORD}, timeout=30).json()
    s.headers["X-CSRF-Token"] = me["csrf_token"]
    return s


def test_supervision_rules_out_of_their_domain_are_refused_and_the_rules_stay(tmp_path):
    cfg = make_node(tmp_path, "county")
    with LiveServer(load_tier("county").create_app(cfg)) as srv:
        s = _signed_in(srv.url)
        for bad in ({"yellow_days_left": True}, {"yellow_days_left": 10 ** 12}, {"yellow_days_left": 2 ** 70},
                    {"rectify_days": 0}, {"repeat_supplements": -1}, {"check_fee": 1}, [1], {"nope": 1}):
            r = s.put(srv.url + "/api/v1/supervision/rules", json=bad, timeout=10)
            assert r.status_code == 400 and r.json()["fix"], (bad, r.status_code, r.text[:200])
        assert supervision.rules(open_db(cfg)) == supervision.DEFAULT_RULES
        ok = s.put(srv.url + "/api/v1/supervision/rules", json={"yellow_days_left": 3}, timeout=10)
        assert ok.status_code == 200 and ok.json()["yellow_days_left"] == 3


def test_a_dashboard_period_out_of_range_is_a_clear_400(tmp_path):
    cfg = make_node(tmp_path, "county")
    with LiveServer(load_tier("county").create_app(cfg)) as srv:
        s = _signed_in(srv.url)
        for query in ("from=9999-01-01&to=9999-12-31", "from=0001-01-01&to=2026-12-01", "to=9999-12-31",
                      "from=1990-01-01&to=2026-12-01"):
            for path in ("/api/v1/dashboard", "/dashboard", "/dashboard.csv"):
                r = s.get(f"{srv.url}{path}?{query}", timeout=30)
                assert r.status_code == 400, (path, query, r.status_code)
        assert s.get(srv.url + "/api/v1/dashboard?from=2026-01-01&to=2026-12-01", timeout=30).status_code == 200


def test_notices_with_wrong_types_or_a_withdrawal_without_an_id_are_refused(tmp_path):
    cfg = make_node(tmp_path, "township")
    with LiveServer(load_tier("township").create_app(cfg)) as srv:
        s = _signed_in(srv.url)
        for bad in ({"title": "停水通知", "body": 12345}, {"title": ["x"], "body": "正文"},
                    {"title": "停水", "body": "正文", "published_on": 20261201},
                    {"title": "停水", "body": "正文", "expires_on": "9999-12-31"},
                    {"title": "停水", "body": "正文", "withdrawn": True}):
            r = s.post(srv.url + "/api/v1/notices", json=bad, timeout=10)
            assert r.status_code in (400, 404) and r.json()["fix"], (bad, r.status_code, r.text[:300])
        assert open_db(cfg).execute("SELECT COUNT(*) FROM notices").fetchone()[0] == 0


def test_a_consult_request_that_is_not_an_object_is_a_400(tmp_path):
    cfg = make_node(tmp_path, "township")
    with LiveServer(load_tier("township").create_app(cfg)) as srv:
        s = _signed_in(srv.url)
        for body in ([1, 2], "x", 5):
            r = s.post(srv.url + "/api/v1/consults", json=body, timeout=10)
            assert r.status_code == 400, (body, r.status_code, r.text[:200])
