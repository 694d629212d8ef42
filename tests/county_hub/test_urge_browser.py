"""The supervisors' tools in a real chromium (issue 20.11): 督办 a red case from its page (texted to the
department's approver), the office sees it in its inbox and on the case, and the rules are edited on a page."""
import pytest

from common import accounts
from common.hlc import Clock
from common.node import open_db
from common.store import applications as apps
from common.store import audit, catalog
from county_hub import sms_store
from county_hub.supervision import ACTOR, rules
from tests.browser import axe_violations, served
from tests.helpers import ADMIN_PASSWORD, make_node
from tests.township_node.test_window_browser import sign_in
from tests.web.test_phone_reflow import MEASURE, PHONE

T, V = "371399101", "371399101001"
DESK = {"width": 1280, "height": 900}


@pytest.fixture(scope="module")
def county(tmp_path_factory):
    cfg = make_node(tmp_path_factory.mktemp("urge-browser"), "county", sms_gateway="file", sms_sign="【示范县】")
    conn = open_db(cfg)
    accounts.add_user(conn, "county", "rs1", "人社审批", ADMIN_PASSWORD, ["county_approver:RS"], phone="13700001111")
    accounts.add_user(conn, "county", "sup1", "监察", ADMIN_PASSWORD, ["supervisor"])
    doc = apps.submit(conn, Clock(V), V, "kiosk", catalog.item(conn, "RS-003"),
                      {"name": "钱七", "id_number": "11010519440119002X", "phone": "13700004321"},
                      {"delivery": "乡镇便民服务中心领取"})
    apps.ingest(conn, {"id": "fwd-1", "app_id": doc["id"], "origin": T, "hlc": Clock(T, last=doc["last_hlc"]).now(),
                       "actor": "system", "type": "forwarded", "payload": {}})
    clock = Clock(cfg["code"])
    apps.append(conn, clock, cfg["code"], doc["id"], "accepted", "rs1")
    apps.append(conn, clock, cfg["code"], doc["id"], "warning_raised", ACTOR,
                {"level": "red", "reason": "已超期 1 个工作日", "due_on": "2026-01-05", "on": "2026-01-06"})
    conn.close()
    with served(cfg, "county") as (browser, url):
        yield browser, url, doc, cfg


def test_a_supervisor_urges_a_red_case_and_the_department_sees_it(county):
    browser, url, doc, cfg = county
    sup = sign_in(browser, url, "sup1", DESK)
    sup.goto(url + "/supervision")
    sup.get_by_role("link", name=doc["tracking_code"]).click()
    assert sup.get_by_role("heading", name="电子监察：督办 / 催办").count() == 1
    assert not sup.get_by_role("radio", name="督办", exact=False).first.is_checked()  # nothing pre-selected
    sup.get_by_role("button", name="发出督办").click()  # nothing chosen, nothing written
    summary = sup.get_by_role("alert").inner_text()
    assert "请选择一项" in summary or "催办或督办" in summary
    assert axe_violations(sup) == []
    sup.get_by_role("radio", name="督办：责成承办单位限期办结并说明情况").check()
    sup.get_by_label("督办内容").fill("请于明日下班前办结并说明超期原因")
    sup.get_by_role("button", name="发出督办").click()
    sup.wait_for_load_state("load")
    panel = sup.locator("#urged").inner_text()
    assert "电子监察督办" in panel and "请于明日下班前办结并说明超期原因" in panel and "县人力资源和社会保障局" in panel
    assert "待发 1 条" in panel or "已发 1 条" in panel
    assert axe_violations(sup) == []
    sup.set_viewport_size(PHONE)
    m = sup.evaluate(MEASURE)
    assert m["width"] <= PHONE["width"] and m["squeezed"] == [], m
    sup.close()
    conn = open_db(cfg)
    [text] = [r for r in sms_store.for_application(conn, doc["id"]) if r["template"] == "urged_staff"]
    assert text["phone"] == "13700001111" and "督办" in text["text"] and doc["tracking_code"] in text["text"]
    assert apps.get(conn, doc["id"])["state"] == "accepted"
    conn.close()
    rs = sign_in(browser, url, "rs1", DESK)
    assert "⚑ 督办" in rs.inner_text("main")
    rs.get_by_role("link", name=doc["tracking_code"]).click()
    assert "请于明日下班前办结并说明超期原因" in rs.locator("#urged").inner_text()
    assert rs.get_by_role("button", name="发出督办").count() == 0  # an approver cannot urge
    assert axe_violations(rs) == []
    rs.close()


def test_supervisors_edit_the_rules_on_a_page_validated_and_audited(county):
    browser, url, doc, cfg = county
    sup = sign_in(browser, url, "sup1", DESK)
    sup.goto(url + "/supervision")
    sup.get_by_role("link", name="修改监察规则").click()
    assert sup.get_by_label("剩余几个工作日起黄牌预警").input_value() == "2"
    assert axe_violations(sup) == []
    sup.get_by_label("剩余几个工作日起黄牌预警").fill("45")
    sup.get_by_label("差评整改时限（工作日）").fill("abc")
    sup.get_by_role("button", name="保存规则").click()
    summary = sup.get_by_role("alert").inner_text()
    assert "剩余几个工作日起黄牌预警" in summary and "差评整改时限" in summary and "0–30" in summary
    assert axe_violations(sup) == []
    sup.get_by_label("剩余几个工作日起黄牌预警").fill("3")
    sup.get_by_label("差评整改时限（工作日）").fill("7")
    sup.get_by_label("收费与事项目录不符时黄牌预警").uncheck()
    sup.get_by_role("button", name="保存规则").click()
    assert "监察规则已保存" in sup.locator("main p.notice.ok").inner_text()
    sup.set_viewport_size(PHONE)
    m = sup.evaluate(MEASURE)
    assert m["width"] <= PHONE["width"] and m["squeezed"] == [], m
    sup.goto(url + "/lang/en?next=/supervision/rules")  # English available
    assert sup.get_by_role("heading", name="Supervision rules").count() == 1
    assert sup.get_by_label("Yellow when this many working days or fewer are left").input_value() == "3"
    assert axe_violations(sup) == []
    sup.close()
    conn = open_db(cfg)
    assert rules(conn) == {"yellow_days_left": 3, "repeat_supplements": 2, "check_fee": False, "rectify_days": 7}
    changed = [r for r in audit.recent(conn, actor="sup1") if r["action"] == "supervision.rules_changed"]
    assert changed and changed[-1]["actor"] == "sup1"
    conn.close()
