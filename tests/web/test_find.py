"""Staff find a case by its tracking code or the applicant's ID number (common/web/cases.py)."""
import requests

from common import accounts
from common.hlc import Clock
from common.node import open_db
from common.store import applications, catalog
from common.tiers import load_tier
from tests.helpers import ADMIN_PASSWORD, LiveServer, login, make_node
from tests.village_kiosk.test_status import APPLICANT


def test_the_find_page_opens_the_one_case_or_says_none_was_found(tmp_path):
    cfg = make_node(tmp_path, "county")
    conn = open_db(cfg)
    accounts.add_user(conn, "county", "mz1", "民政", ADMIN_PASSWORD, ["county_approver:RS"])
    doc = applications.submit(conn, Clock("371399101001"), "371399101001", "kiosk", catalog.item(conn, "MZ-002"),
                              APPLICANT, {"reason": "突发疾病", "amount": "800"})
    conn.close()
    with LiveServer(load_tier("county").create_app(cfg)) as srv:
        s = requests.Session()
        login(s, srv.url)
        r = s.get(srv.url + "/cases/find", params={"q": doc["tracking_code"]}, timeout=10)
        assert r.url.endswith(f"/cases/{doc['id']}") and doc["applicant"]["name"] in r.text
        assert "没有找到" in s.get(srv.url + "/cases/find", params={"q": "2" * 18}, timeout=10).text
        assert "查询码不正确" in s.get(srv.url + "/cases/find", params={"q": "nonsense"}, timeout=10).text
        other = requests.Session()  # another department's approver does not find it
        login(other, srv.url, "mz1")
        assert "没有找到" in other.get(srv.url + "/cases/find", params={"q": doc["tracking_code"]}, timeout=10).text
