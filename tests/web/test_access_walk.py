"""Walk every tier's whole URL map: non-public endpoints refuse anonymous and wrong-role users."""
import pytest
import requests

from common import accounts
from common.node import open_db
from common.roles import roles_for_tier
from common.tiers import load_tier
from common.web.access import AUTHENTICATED, PUBLIC
from tests.helpers import LiveServer, login, make_node

PASSWORD = "role-pass-2026"


def _url(rule):
    return rule.rule.replace("<", "{").replace(">", "}").format_map(_Dummy())


class _Dummy(dict):
    def __missing__(self, key):
        return "X-001"


@pytest.mark.parametrize("tier", ["county", "township", "village"])
def test_every_endpoint_refuses_anonymous_and_wrong_roles(tmp_path, tier):
    cfg = make_node(tmp_path, tier)
    conn = open_db(cfg)
    role_users = {}
    for role in roles_for_tier(tier):
        spec = f"{role}:MZ" if role == "county_approver" else role
        accounts.add_user(conn, tier, f"u_{role}", role, PASSWORD, [spec])
        role_users[role] = f"u_{role}"
    conn.close()
    app = load_tier(tier).create_app(cfg)
    sessions = {}
    checked = 0
    with LiveServer(app) as srv:
        for role, username in role_users.items():
            s = requests.Session()
            assert login(s, srv.url, username, PASSWORD).status_code == 200
            sessions[role] = s
        for rule in app.url_map.iter_rules():
            if rule.endpoint == "static" or rule.endpoint.endswith(".static"):  # assets are public
                continue
            view = app.view_functions[rule.endpoint]
            access = getattr(view, "_sanji_access", None)
            assert access is not None, f"{rule.rule} declares no access rule"
            if access == PUBLIC:
                continue
            url = srv.url + _url(rule)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                anon = requests.request(method, url, allow_redirects=False)
                if method == "GET" and not rule.rule.startswith("/api/"):
                    assert anon.status_code == 302 and "/login" in anon.headers["Location"], rule.rule
                else:
                    assert anon.status_code == 401, (method, rule.rule, anon.status_code)
                for role, s in sessions.items():
                    r = s.request(method, url, allow_redirects=False)
                    allowed = access == AUTHENTICATED or role in access
                    if allowed:
                        assert r.status_code not in (401, 403), (role, method, rule.rule)
                    else:
                        assert r.status_code == 403, (role, method, rule.rule, r.status_code)
                    checked += 1
    assert checked > 0


def test_openapi_documents_every_api_route(tmp_path):
    cfg = make_node(tmp_path, "county")
    app = load_tier("county").create_app(cfg)
    with LiveServer(app) as srv:
        spec = requests.get(srv.url + "/api/v1/openapi.json").json()
    assert spec["openapi"].startswith("3.")
    api_rules = [r for r in app.url_map.iter_rules() if r.rule.startswith("/api/")]
    for rule in api_rules:
        path = rule.rule.replace("<", "{").replace(">", "}")
        assert path in spec["paths"], path
        for op in spec["paths"][path].values():
            assert op["summary"] and op["summary"] != rule.endpoint, f"{path} lacks a summary"
    assert "/healthz" in spec["paths"]


def test_errors_answer_json_on_api_and_html_on_pages(tmp_path):
    cfg = make_node(tmp_path, "county")
    with LiveServer(load_tier("county").create_app(cfg)) as srv:
        r = requests.get(srv.url + "/api/v1/catalog/NOPE-1")
        assert r.status_code == 404 and r.json()["error"] == "not_found" and r.json()["fix"]
        r = requests.get(srv.url + "/no/such/page")
        assert r.status_code == 404 and "<html" in r.text
        r = requests.get(srv.url + "/api/v1/catalog")
        body = r.json()
        assert len(body["items"]) >= 40 and r.headers["Content-Security-Policy"].startswith("default-src 'self'")
        health = requests.get(srv.url + "/healthz").json()
        assert health == {**health, "node": "371399", "tier": "county", "database": "ok", "catalog_version": 1}


def test_language_switch(tmp_path):
    cfg = make_node(tmp_path, "village")
    with LiveServer(load_tier("village").create_app(cfg)) as srv:
        s = requests.Session()
        assert "您好，请选择要办的事" in s.get(srv.url + "/").text  # the kiosk's start screen
        page = s.get(srv.url + "/lang/en?next=/")
        assert "Hello. What do you need to do?" in page.text and 'lang="en"' in page.text
        assert "Village Service Room" in s.get(srv.url + "/login").text
