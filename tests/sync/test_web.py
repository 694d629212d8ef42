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


def test_admin_reviews_retries_and_drops_quarantined_messages_in_the_browser(tmp_path):
    import msgpack
    from sync import quarantine
    cfg = make_node(tmp_path, "township")
    conn = open_db(cfg)
    with transaction(conn):
        store.quarantine(conn, "371399101001", 7, "bogus", "m-7", msgpack.packb({"a": "甲"}), "ValidationError: 未知类型")
        store.quarantine(conn, "371399101001", 8, "bogus", "m-8", msgpack.packb({"b": 2}), "ValidationError: 未知类型")
        store.set_alarm(conn, "371399101001", "quarantine_full", "隔离消息已达上限 / full")
    first, second = [r["id"] for r in store.quarantined(conn)][::-1]
    with LiveServer(load_tier("township").create_app(cfg)) as srv:
        s = requests.Session()
        assert s.get(srv.url + "/admin/quarantine", allow_redirects=False).status_code in (302, 303)  # signed in only
        login(s, srv.url)
        page = s.get(srv.url + "/admin/quarantine")
        assert page.status_code == 200 and f"#{first}" in page.text and "未知类型" in page.text
        detail = s.get(f"{srv.url}/admin/quarantine/{first}")
        assert detail.status_code == 200 and "甲" in detail.text
        assert "隔离消息已达上限" in s.get(srv.url + "/admin/nodes").text  # the alarm, where links are shown
        token = csrf_from(page.text)
        # A retry that still fails says so and keeps the message; a drop removes it, audited.
        again = s.post(f"{srv.url}/admin/quarantine/{first}/retry", data={"csrf_token": token})
        assert again.status_code in (400, 409) and quarantine.show(open_db(cfg), first)
        assert s.post(f"{srv.url}/admin/quarantine/{first}/drop", data={"csrf_token": "wrong"}).status_code == 400
        gone = s.post(f"{srv.url}/admin/quarantine/{first}/drop", data={"csrf_token": token})
        assert gone.status_code == 200 and f"#{first}" in gone.text
        assert s.get(f"{srv.url}/admin/quarantine/{first}").status_code == 404
        listing = s.get(srv.url + "/api/v1/quarantine").json()
        assert [m["id"] for m in listing["messages"]] == [second]
        assert listing["links"][0]["count"] == 1
        assert s.get(srv.url + "/admin/quarantine?before=x").status_code == 400
        actions = [r["action"] for r in open_db(cfg).execute("SELECT action FROM audit_log ORDER BY seq")]
        assert actions[-1] == "sync.quarantine_dropped"


def test_quarantine_pages_answer_odd_ids_and_garbage_retries_without_a_500(tmp_path):
    from sync import quarantine
    from common.errors import Conflict
    import pytest
    cfg = make_node(tmp_path, "township")
    conn = open_db(cfg)
    with transaction(conn):
        store.quarantine(conn, "371399101001", 7, "catalog", "m-7", b"\xc1 not msgpack", "bad")
        store.quarantine(conn, "371399101001", 8, "catalog", "m-8", __import__("msgpack").packb({"doc": 1}), "bad")
    ids = [r["id"] for r in store.quarantined(conn)]
    for qid in ids:
        with pytest.raises(Conflict):
            quarantine.retry(conn, "371399101", __import__("common.hlc", fromlist=["Clock"]).Clock("371399101"), qid, "t")
    with LiveServer(load_tier("township").create_app(cfg)) as srv:
        s = requests.Session()
        login(s, srv.url)
        for bad in ("²", "１", "9" * 30, "-1"):
            assert s.get(f"{srv.url}/admin/quarantine/{bad}").status_code == 404, bad
        assert s.get(f"{srv.url}/admin/quarantine?before=²").status_code == 400
