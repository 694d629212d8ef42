"""Checking progress at the kiosk: the page form, the JSON API, and the plain-words timeline."""
import re

import pytest
import requests

from common.domain import timeline
from common.hlc import Clock
from common.ids import new_tracking_code
from common.node import open_db
from common.store import applications as apps, catalog
from common.store.db import transaction
from common.tiers import load_tier
from tests.helpers import LiveServer, csrf_from, make_node

APPLICANT = {"name": "赵六", "id_number": "11010519440119002X", "phone": "13700001234"}


@pytest.fixture
def village(tmp_path):
    cfg = make_node(tmp_path, "village")
    conn = open_db(cfg)
    doc = apps.submit(conn, Clock(cfg["code"]), cfg["code"], "kiosk", catalog.item(conn, "RS-003"), APPLICANT,
                      {"delivery": "乡镇便民服务中心领取"})
    with LiveServer(load_tier("village").create_app(cfg)) as srv:
        yield srv.url, conn, doc
    conn.close()


def post_form(url, **fields):
    s = requests.Session()
    token = csrf_from(s.get(url + "/kiosk/status", timeout=10).text)
    return s.post(url + "/kiosk/status", data=dict(fields, csrf_token=token), timeout=10)


def test_form_shows_the_timeline_waiting_for_the_network(village):
    url, conn, doc = village
    r = post_form(url, code=doc["tracking_code"].lower().replace("-", ""), last4="002x")
    assert r.status_code == 200, r.text[:500]
    assert "您提交了申请" in r.text and "网络不通" in r.text and doc["tracking_code"] in r.text
    # by phone too
    assert post_form(url, code=doc["tracking_code"], last4="1234").status_code == 200


def test_wrong_secret_and_unknown_code_get_the_same_answer(village):
    url, conn, doc = village
    wrong = post_form(url, code=doc["tracking_code"], last4="9999")
    other = post_form(url, code=new_tracking_code(), last4="002X")  # well-formed, but no such application
    for r in (wrong, other):
        assert r.status_code == 400 and re.search(r"<title>错误", r.text) and "没有找到这件申请" in r.text
    bad = post_form(url, code="not-a-code", last4="")
    assert bad.status_code == 400 and "查询码不正确" in bad.text and "最后 4 位" in bad.text


def test_api_reports_steps_and_acknowledgement_clears_waiting(village):
    url, conn, doc = village
    r = requests.post(url + "/api/v1/status", json={"code": doc["tracking_code"], "last4": "002X"}, timeout=10)
    assert r.status_code == 200
    body = r.json()
    assert body["state"] == "submitted" and body["steps"][0] == {"type": "submitted", "date": body["steps"][0]["date"],
                                                                 "waiting": True, "missing": [], "reason": "", "step": "",
                                                                 "origin": doc["origin"]}
    with transaction(conn):
        conn.execute("INSERT INTO sync_links (link, acked_upto) VALUES ('up', 99)"
                     " ON CONFLICT(link) DO UPDATE SET acked_upto = 99")
    r = requests.post(url + "/api/v1/status", json={"code": doc["tracking_code"], "last4": "002X"}, timeout=10)
    assert r.json()["steps"][0]["waiting"] is False
    assert requests.post(url + "/api/v1/status", json={"code": 5}, timeout=10).status_code == 400
    assert requests.post(url + "/api/v1/status", json={"code": doc["tracking_code"], "last4": "0000"},
                         timeout=10).status_code == 404


def test_steps_list_what_is_missing_and_hide_internal_events():
    events = [
        {"id": "1", "hlc": "1763800000000-0000-371399101001", "type": "submitted", "payload": {}},
        {"id": "2", "hlc": "1763800000001-0000-371399101", "type": "commented", "payload": {"text": "内部"}},
        {"id": "3", "hlc": "1763800000002-0000-371399101", "type": "supplement_requested",
         "payload": {"missing": ["户口簿复印件"], "reason": "材料不全"}},
    ]
    got = timeline.steps(events, waiting={"1"})
    assert [s["type"] for s in got] == ["submitted", "supplement_requested"]
    assert got[0]["waiting"] and got[1]["missing"] == ["户口簿复印件"] and got[1]["reason"] == "材料不全"
    doc = {"applicant": APPLICANT}
    assert timeline.matches_secret(doc, "002x") and timeline.matches_secret(doc, "1234")
    assert not timeline.matches_secret(doc, "") and not timeline.matches_secret(doc, "02X")


def test_an_application_the_township_refused_is_never_shown_as_received(tmp_path):
    # The township acknowledges what it refuses too (so the village does not send it forever), and
    # says so per entry: the kiosk must not turn that into "乡镇已收到".
    from sync import store as sync_store
    from common.store import outbox
    from village_kiosk.receipt import delivery
    cfg = make_node(tmp_path, "village")
    conn = open_db(cfg)
    doc = apps.submit(conn, Clock(cfg["code"]), cfg["code"], "kiosk", catalog.item(conn, "MZ-002"), APPLICANT,
                      {"reason": "突发疾病", "amount": "800"})
    ids = [e["id"] for e in apps.events(conn, doc["id"])]
    assert delivery(conn, ids) == "offline"
    seq = conn.execute("SELECT seq FROM sync_outbox WHERE link = ? AND msg_id = ?", (outbox.UP, ids[0])).fetchone()[0]
    with transaction(conn):
        sync_store.note_refused(conn, outbox.UP, [[seq, "the item snapshot differs from the catalog"]])
    assert delivery(conn, ids) == "refused"
