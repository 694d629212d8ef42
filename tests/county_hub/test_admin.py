"""County administration on the web: a catalog imported and published to a running township, the calendar, staff."""
import requests

from tests.helpers import ADMIN_PASSWORD, csrf_from, login, wait_for
from tests.sync.netutil import NodeProcess, count, make_network
from tests.township_node.test_window_network import web

T = "371399101"
CATALOG = """
label: 测试目录 第2版
departments:
  - {code: MZ, name: 县民政局}
items:
  - code: MZ-101
    name: 测试事项
    department: MZ
    decide_tier: township
    case_type: promised
    legal_days: 10
    promised_days: 5
    materials: [{name: 居民身份证, form: original, required: true}]
    flow: [{id: review, name: 审核, role: township_staff}]
"""


def admin_session(url):
    s = requests.Session()
    login(s, url, "admin", ADMIN_PASSWORD)
    return s


def post(s, url, path, data=None, files=None):
    token = csrf_from(s.get(url + path, timeout=10).text)
    return s.post(url + path, data=dict(data or {}, csrf_token=token), files=files, timeout=30)


def test_catalog_and_calendar_published_to_a_running_township_and_staff_added(tmp_path):
    net = make_network(tmp_path, villages=0)
    procs = {code: NodeProcess(cfg).start() for code, cfg in net.items()}
    try:
        url = web(procs["county"])
        s = admin_session(url)
        wait_for(lambda: count(net[T], "SELECT COUNT(*) FROM sync_links WHERE state = 'up'") == 1, timeout=30,
                 what="the township linked")
        bad = post(s, url, "/admin/catalog", files={"file": ("bad.yaml", b"items: [{code: nope}]", "text/yaml")})
        assert bad.status_code == 400 and "<title>错误" in bad.text
        assert count(net["county"], "SELECT MAX(version) FROM catalog_versions") == 1
        r = post(s, url, "/admin/catalog", files={"file": ("v2.yaml", CATALOG.encode(), "text/yaml")})
        assert r.status_code == 200 and "已导入并下发第 2 版" in r.text
        wait_for(lambda: count(net[T], "SELECT MAX(version) FROM catalog_versions") == 2, timeout=30,
                 what="catalog v2 at the running township")
        assert count(net[T], "SELECT COUNT(*) FROM catalog_items WHERE version = 2 AND code = 'MZ-101'") == 1
        before = count(net[T], "SELECT COUNT(*) FROM calendar_days WHERE day = '2026-12-28'")
        r = post(s, url, "/admin/calendar?year=2026", {"day": "2026-12-28", "kind": "holiday", "name": "县庆"})
        assert r.status_code == 200 and "县庆" in r.text
        wait_for(lambda: count(net[T], "SELECT COUNT(*) FROM calendar_days WHERE day = '2026-12-28'"
                                       " AND kind = 'holiday'") == 1, timeout=30, what="the holiday at the township")
        assert before == 0
        assert post(s, url, "/admin/calendar", {"day": "28/12/2026", "kind": "holiday"}).status_code == 400
        r = post(s, url, "/admin/staff", {"username": "mz1", "display_name": "民政审批", "password": "a-long-pass-2026",
                                          "role": "county_approver", "department": "MZ"})
        assert r.status_code == 200 and "县部门审批人员（县民政局）" in r.text  # names, not role codes (20.16)
        assert 'title="county_approver:MZ"' in r.text  # the code on hover for the administrator
        assert post(s, url, "/admin/staff", {"username": "x", "password": "short", "role": "county_approver"}) \
            .status_code == 400
        assert requests.get(url + "/admin/staff", timeout=10).url.endswith("/login?next=/admin/staff")
        mz = requests.Session()  # an account made on the web has a temporary password
        assert login(mz, url, "mz1", "a-long-pass-2026").url.startswith(url + "/password?next=")
        assert mz.get(url + "/api/v1/county/inbox", timeout=10).status_code == 403
        assert post(mz, url, "/password", {"current": "a-long-pass-2026", "new": "mz-own-pass-2026",
                                           "confirm": "mz-own-pass-2026"}).status_code == 200
        assert mz.get(url + "/api/v1/county/inbox", timeout=10).status_code == 200
        assert post(s, url, "/admin/staff/mz1/password", {"password": "short"}).status_code == 400
        r = post(s, url, "/admin/staff/mz1/password", {"password": "mz-temp-pass-2026"})
        assert r.status_code == 200 and "已为 mz1 设置临时密码" in r.text
        assert mz.get(url + "/api/v1/county/inbox", timeout=10).status_code == 401  # its sessions ended
        assert login(mz, url, "mz1", "mz-temp-pass-2026").url.startswith(url + "/password?next=")
        assert post(mz, url, "/password", {"current": "mz-temp-pass-2026", "new": "mz-own-pass-2027",
                                           "confirm": "mz-own-pass-2027"}).status_code == 200
        assert mz.get(url + "/api/v1/county/inbox", timeout=10).status_code == 200
        token = csrf_from(s.get(url + "/admin/staff", timeout=10).text)
        assert s.post(url + "/admin/staff/mz1/disable", data={"csrf_token": token}, timeout=10).status_code == 200
        assert mz.get(url + "/api/v1/county/inbox", timeout=10).status_code == 401  # the session ends with it
        assert s.post(url + "/admin/staff/admin/disable", data={"csrf_token": token}, timeout=10).status_code == 400
    finally:
        for p in procs.values():
            p.stop()
