"""Signing in to the JSON API: POST /api/v1/session with JSON, then X-CSRF-Token on every change (issue 17)."""
import requests

from common.node import open_db
from common.tiers import load_tier
from tests.helpers import ADMIN_PASSWORD, LiveServer, make_node


def test_an_api_client_signs_in_with_json_acts_with_the_token_and_signs_out(tmp_path):
    cfg = make_node(tmp_path, "township")
    with LiveServer(load_tier("township").create_app(cfg)) as srv:
        s = requests.Session()
        assert s.get(srv.url + "/api/v1/sync/status", timeout=10).status_code == 401
        r = s.post(srv.url + "/api/v1/session", json={"username": "admin", "password": ADMIN_PASSWORD}, timeout=30)
        assert r.status_code == 200, r.text
        me = r.json()
        assert me["username"] == "admin" and {"role": "admin", "department": ""} in me["roles"] and me["csrf_token"]
        assert s.get(srv.url + "/api/v1/sync/status", timeout=10).status_code == 200
        # A change without the token is refused; with it, it is done.
        assert s.delete(srv.url + "/api/v1/session", timeout=10).status_code == 400
        out = s.delete(srv.url + "/api/v1/session", headers={"X-CSRF-Token": me["csrf_token"]}, timeout=10)
        assert out.status_code == 200 and out.json() == {"signed_out": True}
        assert s.get(srv.url + "/api/v1/sync/status", timeout=10).status_code == 401
        spec = requests.get(srv.url + "/api/v1/openapi.json", timeout=10).json()
        assert "post" in spec["paths"]["/api/v1/session"] and "delete" in spec["paths"]["/api/v1/session"]


def test_an_api_sign_in_is_refused_clearly_and_a_cross_site_form_cannot_sign_a_browser_in(tmp_path):
    cfg = make_node(tmp_path, "township")
    with LiveServer(load_tier("township").create_app(cfg)) as srv:
        post = lambda **kw: requests.post(srv.url + "/api/v1/session", timeout=30, **kw)  # noqa: E731
        form = post(data={"username": "admin", "password": ADMIN_PASSWORD})  # what a cross-site form can send
        assert form.status_code == 400 and "JSON" in form.json()["message"] and "sanji_session" not in form.cookies
        wrong = post(json={"username": "admin", "password": "not it"})
        assert wrong.status_code == 401 and wrong.json()["fix"]
        assert post(json={"username": ["admin"], "password": 1}).status_code == 400
        assert post(json=[1, 2]).status_code == 400
        actions = [r[0] for r in open_db(cfg).execute("SELECT action FROM audit_log ORDER BY seq")]
        assert "login.failed" in actions
