"""The `home` each Tier names (common/tiers.py) is a page of its app, and the shared web layer leads there."""
from urllib.parse import urlparse

import pytest
import requests
from flask import url_for

from common.tiers import load_tier
from tests.helpers import LiveServer, login, make_node


@pytest.mark.parametrize("tier", ["county", "township", "village"])
def test_sign_in_and_the_header_lead_to_the_tiers_home(tmp_path, tier):
    home = load_tier(tier).home
    app = load_tier(tier).create_app(make_node(tmp_path, tier))
    assert home in app.view_functions
    with app.test_request_context():
        address = url_for(home)
    with LiveServer(app) as srv, requests.Session() as s:
        signed_in = login(s, srv.url)  # no `next`: home
        assert urlparse(signed_in.url).path == address
        assert f'class="brand" href="{address}"' in signed_in.text
