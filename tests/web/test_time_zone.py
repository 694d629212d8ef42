"""Times people read are China time, and the page says so (issue 19.2): stored times are UTC."""
import requests

from common import accounts
from common.node import open_db
from common.store.db import transaction
from common.tiers import load_tier
from sync import store as sync_store
from tests.helpers import ADMIN_PASSWORD, LiveServer, login, make_node


def test_the_clerk_banner_gives_the_link_cut_in_china_time_and_says_so(tmp_path):
    cfg = make_node(tmp_path, "village")
    conn = open_db(cfg)
    accounts.add_user(conn, "village", "clerk1", "代办员", ADMIN_PASSWORD, ["village_clerk"])
    with transaction(conn):
        sync_store.set_state(conn, "up", "down")
        sync_store.set_link(conn, "up", state_since="2026-03-02T03:04:00.000+00:00")  # 11:04 in China
    conn.close()
    with LiveServer(load_tier("village").create_app(cfg)) as srv:
        s = requests.Session()
        login(s, srv.url, "clerk1")
        page = s.get(srv.url + "/clerk/", timeout=10).text
        assert "2026-03-02 11:04" in page and "03:04" not in page
        assert "北京时间（UTC+8）" in page
        s.get(srv.url + "/lang/en", params={"next": "/clerk/"}, timeout=10)
        assert "China Standard Time (UTC+8)" in s.get(srv.url + "/clerk/", timeout=10).text
