"""Rating at the kiosk: offered once the outcome is known, one question a page, a bad rating asks why."""
import pytest
import requests

from common.hlc import Clock
from common.node import open_db
from common.store import applications as apps, catalog
from common.store.db import transaction
from common.tiers import load_tier
from tests.helpers import LiveServer, csrf_from, make_node
from tests.village_kiosk.test_status import APPLICANT

T = "371399101"


def decided(conn, cfg, doc):
    """The township's decision on DOC, as the link would deliver it."""
    clock = Clock(T, last=doc["last_hlc"])
    with transaction(conn):
        for n, (kind, payload) in enumerate((("received", {}), ("accepted", {}), ("step_passed", {"step": "review"}),
                                             ("approved", {"note": "准予"}))):
            apps.ingest(conn, {"id": f"d{n}-{doc['id'][:8]}", "app_id": doc["id"], "origin": T, "hlc": clock.now(),
                               "actor": "win1", "type": kind, "payload": payload}, trusted=True)


@pytest.fixture
def village(tmp_path):
    cfg = make_node(tmp_path, "village")
    conn = open_db(cfg)
    docs = [apps.submit(conn, Clock(cfg["code"]), cfg["code"], "kiosk", catalog.item(conn, "RS-004"), APPLICANT,
                        {}) for _ in range(3)]
    with LiveServer(load_tier("village").create_app(cfg)) as srv:
        yield srv.url, conn, cfg, docs
    conn.close()


def visit(url, doc):
    """A kiosk session that looked DOC up: (session, page)."""
    s = requests.Session()
    token = csrf_from(s.get(url + "/kiosk/status", timeout=10).text)
    page = s.post(url + "/kiosk/status", data={"code": doc["tracking_code"], "last4": "1234", "csrf_token": token},
                  timeout=10)
    return s, page, token


def test_rating_waits_for_the_outcome_then_a_good_one_is_one_tap(village):
    url, conn, cfg, (doc, _, _) = village
    s, page, token = visit(url, doc)
    assert "评价这次办事" not in page.text
    assert s.post(url + "/kiosk/status/rate", data={"level": "5", "csrf_token": token}, timeout=10).status_code == 400
    decided(conn, cfg, doc)
    page = s.get(url + "/kiosk/status/view", timeout=10)
    assert "评价这次办事" in page.text
    question = s.get(url + "/kiosk/status/rate", timeout=10).text
    assert "😄 非常满意" in question and "😠 非常不满意" in question and "<title>您对这次办事满意吗？" in question
    empty = s.post(url + "/kiosk/status/rate", data={"csrf_token": token}, timeout=10)
    assert empty.status_code == 400 and "<title>错误" in empty.text and "请选择一项" in empty.text
    r = s.post(url + "/kiosk/status/rate", data={"level": "4", "csrf_token": token}, timeout=10)
    assert r.status_code == 200 and "谢谢您的评价" in r.text and "评价这次办事" not in r.text
    got = apps.get(conn, doc["id"])
    assert got["rating"]["level"] == 4 and got["rating"]["channel"] == "kiosk" and "rectification" not in got
    assert s.post(url + "/kiosk/status/rate", data={"level": "1", "csrf_token": token}, timeout=10).status_code == 400


def test_a_bad_rating_asks_why_and_opens_a_rectification(village):
    url, conn, cfg, (_, doc, _) = village
    decided(conn, cfg, doc)
    s, page, token = visit(url, doc)
    r = s.post(url + "/kiosk/status/rate", data={"level": "1", "csrf_token": token}, timeout=10)
    assert r.status_code == 200 and r.url.endswith("/kiosk/status/rate/why") and "哪里让您不满意" in r.text
    assert apps.get(conn, doc["id"])["rating"] is None  # nothing recorded until the reason is chosen
    bad = s.post(url + "/kiosk/status/rate/why", data={"reason": "<script>", "csrf_token": token}, timeout=10)
    assert bad.status_code == 400 and "请选择一项" in bad.text
    r = s.post(url + "/kiosk/status/rate/why", data={"reason": "等的时间太长", "csrf_token": token}, timeout=10)
    assert r.status_code == 200 and "会安排整改" in r.text
    got = apps.get(conn, doc["id"])
    assert got["rating"]["level"] == 1 and got["rectification"]["comment"] == "等的时间太长"
    assert got["rectification"]["state"] == "open"
    last = apps.events(conn, doc["id"])[-1]
    assert last["type"] == "rated"
    assert conn.execute("SELECT COUNT(*) FROM sync_outbox WHERE link = 'up' AND msg_id = ?",
                        (last["id"],)).fetchone()[0] == 1  # the rating goes up like any event


def test_the_json_api_rates_like_the_kiosk_and_asks_why_for_a_bad_one(village):
    url, conn, cfg, (_, _, doc) = village
    body = {"code": doc["tracking_code"], "last4": "1234"}
    assert requests.post(url + "/api/v1/status/rating", json=dict(body, level=4), timeout=10).status_code == 409
    decided(conn, cfg, doc)
    for bad in ({"level": 9}, {"level": "5"}, {"level": 1}, {"level": 2, "reason": "太贵"}):
        assert requests.post(url + "/api/v1/status/rating", json=dict(body, **bad), timeout=10).status_code == 400
    r = requests.post(url + "/api/v1/status/rating", json=dict(body, level=1, reason="工作人员态度不好"), timeout=10)
    assert r.status_code == 200 and r.json()["state"] == "approved"
    got = apps.get(conn, doc["id"])
    assert got["rating"]["level"] == 1 and got["rectification"]["comment"] == "工作人员态度不好"
    assert requests.post(url + "/api/v1/status/rating", json=dict(body, level=5), timeout=10).status_code == 409
