"""The township marks overdue and nearly due cases the way the county does (issue 20.6), from its own state."""
from datetime import date

import requests

from common import accounts
from common.domain import deadlines
from common.hlc import Clock
from common.node import open_db
from common.store import applications as apps, catalog
from common.store.db import transaction
from common.tiers import load_tier
from common.workcal import WorkCalendar
from tests.helpers import ADMIN_PASSWORD, LiveServer, login, make_node

T, V = "371399101", "371399101001"
PERSON = {"name": "钱七", "id_number": "11010519440119002X", "phone": "13700004321"}


def test_the_light_is_red_past_the_deadline_yellow_near_it_and_off_while_paused():
    cal = WorkCalendar()
    doc = {"state": "accepted"}
    monday = date(2026, 12, 7)
    assert deadlines.light(doc, "2026-12-04", cal, monday) == "red"
    assert deadlines.light(doc, "2026-12-09", cal, monday) == "yellow"   # 2 working days left
    assert deadlines.light(doc, "2026-12-18", cal, monday) is None
    assert deadlines.light({"state": "supplement"}, "2026-12-04", cal, monday) is None  # the clock is stopped
    assert deadlines.light(doc, None, cal, monday) is None
    assert deadlines.strongest(None, "yellow") == "yellow" and deadlines.strongest("red", "yellow") == "red"


def test_the_township_inbox_shows_red_for_a_case_past_its_deadline(tmp_path):
    shift = tmp_path / "clock"
    shift.write_text("+40")  # business time forty days on: the case accepted today is long overdue
    cfg = make_node(tmp_path, "township", clock_file=str(shift))
    conn = open_db(cfg)
    accounts.add_user(conn, "township", "win1", "窗口", ADMIN_PASSWORD, ["township_staff"])
    doc = apps.submit(conn, Clock(V), V, "kiosk", catalog.item(conn, "MZ-001"), PERSON,
                      {"bank_account": "6222020200112233445"})
    clock = Clock(T, last=doc["last_hlc"])
    with transaction(conn):
        apps.append(conn, clock, T, doc["id"], "received", "win1", {})
        apps.append(conn, clock, T, doc["id"], "accepted", "win1", {})
    conn.close()
    with LiveServer(load_tier("township").create_app(cfg)) as srv:
        s = requests.Session()
        login(s, srv.url, "win1")
        page = s.get(srv.url + "/", timeout=10).text
        assert doc["tracking_code"] in page and 'class="warn-red">红牌' in page
