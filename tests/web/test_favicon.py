"""Every node serves its own icon, and every page names it (issue 20.16): no 404 in each browser's console."""
import pytest
import requests

from common.tiers import load_tier
from tests.helpers import LiveServer, make_node


@pytest.mark.parametrize("tier, page", [("county", "/login"), ("village", "/kiosk/")])
def test_the_icon_is_served_and_linked(tmp_path, tier, page):
    cfg = make_node(tmp_path, tier)
    with LiveServer(load_tier(tier).create_app(cfg)) as srv:
        icon = requests.get(srv.url + "/favicon.ico", timeout=10)
        assert icon.status_code == 200 and icon.headers["Content-Type"].startswith("image/svg+xml")
        assert icon.content.startswith(b"<svg")
        assert 'rel="icon" href="/favicon.ico"' in requests.get(srv.url + page, timeout=10).text
