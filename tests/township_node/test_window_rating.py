"""Ratings at the township window: offered once the outcome is known, recorded for this office and staff member."""
import pytest
import requests

from common import accounts
from common.hlc import Clock
from common.node import open_db
from common.store import applications as apps, catalog
from common.store.db import transaction
from common.tiers import load_tier
from tests.helpers import ADMIN_PASSWORD, CODES, LiveServer, csrf_from, login, make_node
from tests.village_kiosk.test_status import APPLICANT

T, V = CODES["township"], CODES["village"]


def submitted_and_decided(conn, decide=True):
    """A village's MZ-002 application held at the township, decided there when DECIDE."""
    doc = apps.submit(conn, Clock(V), V, "kiosk", catalog.item(conn, "MZ-002"), APPLICANT,
                      {"reason": "突发疾病", "amount": "800"})
    clock = Clock(T, last=doc["last_hlc"])
    steps = [("received", {}), ("accepted", {}), ("step_passed", {"step": "review"}),
             ("step_passed", {"step": "approve"}), ("approved", {"note": "准予"})]
    with transaction(conn):
        for kind, payload in steps if decide else steps[:1]:
            doc = apps.append(conn, clock, T, doc["id"], kind, "win_head", payload)
    return doc


@pytest.fixture
def township(tmp_path):
    cfg = make_node(tmp_path, "township")
    conn = open_db(cfg)
    accounts.add_user(conn, "township", "win1", "窗口一", ADMIN_PASSWORD, ["township_staff"])
    with LiveServer(load_tier("township").create_app(cfg)) as srv:
        yield srv.url, conn
    conn.close()


def test_the_window_records_the_persons_rating_once_for_this_office_and_staff(township):
    url, conn = township
    waiting, doc = submitted_and_decided(conn, decide=False), submitted_and_decided(conn)
    s = requests.Session()
    login(s, url, "win1")
    assert "请群众评价" not in s.get(f"{url}/cases/{waiting['id']}", timeout=10).text  # no outcome yet
    page = s.get(f"{url}/cases/{doc['id']}", timeout=10)
    assert page.status_code == 200 and "请群众评价" in page.text and "非常不满意" in page.text
    token = csrf_from(page.text)
    refused = s.post(f"{url}/cases/{waiting['id']}/rate", data={"level": "5", "csrf_token": token}, timeout=10)
    assert refused.status_code == 409 and "办理结果出来后才能评价" in refused.text
    empty = s.post(f"{url}/cases/{doc['id']}/rate", data={"csrf_token": token}, timeout=10)
    assert empty.status_code == 400 and "<title>错误" in empty.text
    r = s.post(f"{url}/cases/{doc['id']}/rate", data={"level": "2", "comment": "排队太久", "csrf_token": token},
               timeout=10)
    assert r.status_code == 200 and "已办理：评价" in r.text and "请群众评价" not in r.text
    got = apps.get(conn, doc["id"])
    assert got["ratings"] == [{"level": 2, "channel": "window", "on": got["rating"]["on"], "staff": "win1", "office": T}]
    assert got["rectification"]["state"] == "open" and got["rectification"]["comment"] == "排队太久"
    again = s.post(f"{url}/api/v1/cases/{doc['id']}/rating", json={"level": 5},
                   headers={"X-CSRF-Token": token}, timeout=10)
    assert again.status_code == 409  # one rating per channel
    # the admin runs the node, not the window: no rating form, and posting is refused
    a = requests.Session()
    login(a, url)
    assert a.post(f"{url}/api/v1/cases/{doc['id']}/rating", json={"level": 5},
                  headers={"X-CSRF-Token": csrf_from(a.get(f"{url}/password", timeout=10).text)},
                  timeout=10).status_code == 403
