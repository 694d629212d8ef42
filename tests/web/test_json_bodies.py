"""Every JSON body is bounded before it is parsed: deep nesting or a huge body is a 400 that says so, never a 500."""
import requests

from common.tiers import load_tier
from common.web.app import MAX_JSON_DEPTH, _depth
from tests.helpers import LiveServer, make_node


def test_depth_counts_brackets_outside_strings():
    assert _depth('{"a": [1, {"b": "[[[["}]}') == 3
    assert _depth('"\\\\"' + "[" * 5) == 5


def test_deep_or_huge_bodies_are_refused_with_a_clear_error(tmp_path):
    cfg = make_node(tmp_path, "village")
    with LiveServer(load_tier("village").create_app(cfg)) as srv:
        for body in ("[" * 100_000 + "]" * 100_000, '{"item": "' + "x" * (2 * 1024 * 1024) + '"}',
                     "[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1)):
            for path in ("/api/v1/applications", "/api/v1/status"):
                r = requests.post(srv.url + path, data=body, headers={"Content-Type": "application/json"}, timeout=30)
                assert r.status_code == 400, (path, r.status_code, r.text[:200])
                assert "JSON" in r.json()["message"]
        ok = requests.post(srv.url + "/api/v1/status", json={"code": "ABCDE-FGHJK", "last4": "1234"}, timeout=10)
        assert ok.status_code in (400, 404)
