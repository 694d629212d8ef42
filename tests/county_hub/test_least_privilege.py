"""A county approver opens only the cases and materials of their own department's steps (issue 17)."""
import requests

from common import accounts
from common.hlc import Clock
from common.node import open_db
from common.store import applications as apps, blobs, catalog
from common.store.db import transaction
from common.tiers import load_tier
from tests.helpers import ADMIN_PASSWORD, LiveServer, login, make_node
from tests.village_kiosk.test_apply import photo_bytes

C = "371399"


def test_an_approver_of_another_department_cannot_open_a_case_or_its_photo_but_the_right_ones_can(tmp_path):
    cfg = make_node(tmp_path, "county")
    conn = open_db(cfg)
    accounts.add_user(conn, "county", "rs1", "人社审批", ADMIN_PASSWORD, ["county_approver:RS"])
    accounts.add_user(conn, "county", "mz1", "民政审批", ADMIN_PASSWORD, ["county_approver:MZ"])
    accounts.add_user(conn, "county", "jc1", "电子监察", ADMIN_PASSWORD, ["supervisor"])
    from common import photos
    jpeg = photos.normalise(photo_bytes((20, 90, 200)))[0]
    with transaction(conn):
        sha = blobs.put(conn, cfg.data_dir, jpeg)
    doc = apps.submit(conn, Clock(C), C, "desk", catalog.item(conn, "RS-003"),
                      {"name": "吴十", "id_number": "11010519440119002X", "phone": "13700009999"},
                      {"delivery": "县政务服务中心领取"},
                      [{"sha256": sha, "material": 0, "name": "身份证", "size": len(jpeg), "type": "image/jpeg"}])
    with LiveServer(load_tier("county").create_app(cfg)) as srv:
        def opens(user):
            s = requests.Session()
            login(s, srv.url, user)
            return (s.get(f"{srv.url}/cases/{doc['id']}", timeout=10).status_code,
                    s.get(f"{srv.url}/api/v1/cases/{doc['id']}", timeout=10).status_code,
                    s.get(f"{srv.url}/cases/blob/{sha}", timeout=10).status_code)
        assert opens("rs1") == (200, 200, 200)
        assert opens("jc1") == (200, 200, 200)
        assert opens("mz1") == (403, 403, 403)
    # Each look at personal data is audited; the refusals too, with who asked.
    actions = [(r[0], r[1]) for r in conn.execute("SELECT actor, action FROM audit_log ORDER BY seq")]
    assert ("mz1", "case.view_refused") in actions
