"""The enrolment page: an administrator accepts, rejects and revokes child keys in the browser's forms."""
import re

import requests

from common.node import open_db
from common.store.db import transaction
from common.tiers import load_tier
from sync import store
from tests.helpers import LiveServer, csrf_from, login, make_node

KEY_A, KEY_B = "A" * 40, "B" * 40


def test_admin_accepts_rejects_and_revokes_keys(tmp_path):
    cfg = make_node(tmp_path, "township")
    conn = open_db(cfg)
    with transaction(conn):
        store.seen_key(conn, KEY_A, "", "10.0.0.7")
        store.seen_key(conn, KEY_B, "", "10.0.0.8")
    fp_a, fp_b = store.fingerprint(KEY_A), store.fingerprint(KEY_B)
    with LiveServer(load_tier("township").create_app(cfg)) as srv:
        s = requests.Session()
        login(s, srv.url)
        page = s.get(srv.url + "/admin/nodes")
        assert page.status_code == 200 and fp_a in page.text and "待审核" in page.text
        token = csrf_from(page.text)
        bad = s.post(f"{srv.url}/admin/nodes/{fp_a}/accept", data={"code": "371399102001", "csrf_token": token})
        assert bad.status_code == 400 and "不是本节点的下级" in bad.text
        ok = s.post(f"{srv.url}/admin/nodes/{fp_a}/accept", data={"code": "371399101001", "csrf_token": token})
        assert ok.status_code == 200 and f"{fp_a} → accepted" in ok.text
        s.post(f"{srv.url}/admin/nodes/{fp_b}/reject", data={"csrf_token": token})
        assert s.post(f"{srv.url}/admin/nodes/{fp_a}/accept", data={"code": "371399101001"}).status_code == 400
        listing = s.get(srv.url + "/api/v1/nodes").json()
        assert {n["fingerprint"]: n["status"] for n in listing} == {fp_a: "accepted", fp_b: "rejected"}
        s.post(f"{srv.url}/admin/nodes/{fp_a}/revoke", data={"csrf_token": token})
        assert store.node_by_key(open_db(cfg), KEY_A)["status"] == "revoked"
        actions = [r["action"] for r in open_db(cfg).execute("SELECT action FROM audit_log ORDER BY seq")]
        assert actions[-3:] == ["node.accepted", "node.rejected", "node.revoked"]
        assert re.search(r"连接 / Links", s.get(srv.url + "/admin/nodes").text)
