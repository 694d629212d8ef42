"""The window console's main journey in a real chromium: desktop window staff, then the head on a phone."""
import re

import pytest

from common.hlc import Clock
from common.store import applications as apps
from tests.browser import axe_violations, served, staffed_node
from tests.helpers import ADMIN_PASSWORD

PHONE = {"width": 390, "height": 844}
DESK = {"width": 1280, "height": 900}


@pytest.fixture(scope="module")
def township(tmp_path_factory):
    def received(conn, cfg, doc):  # as the sync link delivers it: submitted at the village, received here
        apps.append(conn, Clock(cfg["code"], last=doc["last_hlc"]), cfg["code"], doc["id"], "received", "system")
    cfg, doc = staffed_node(tmp_path_factory.mktemp("window-browser"), "township",
                            [("win1", "township_staff"), ("head1", "township_head")], "MZ-001",
                            {"bank_account": "6222020200112233445"}, received)
    with served(cfg, "township") as (browser, url):
        yield browser, url, doc


def sign_in(browser, url, user, viewport):
    page = browser.new_page(viewport=viewport, locale="zh-CN")
    page.goto(url + "/login")
    page.get_by_label("用户名").fill(user)
    page.get_by_label("密码").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state("load")
    return page


def choose(page, label, **fields):
    page.get_by_role("radio", name=label, exact=isinstance(label, str)).check()
    for name, value in fields.items():
        page.locator(f"[name={name}]").fill(value)
    page.get_by_role("button", name="确定办理").click()
    page.wait_for_load_state("load")


def test_window_staff_then_the_head_on_a_phone(township):
    browser, url, village = township
    win = sign_in(browser, url, "win1", DESK)
    assert axe_violations(win) == []
    win.get_by_role("link", name=village["tracking_code"]).click()
    assert axe_violations(win) == []
    assert win.locator("input[name=action]:checked").count() == 0  # nothing decided for the staff member
    assert not win.locator("#reason").is_visible() and not win.locator("#missing").is_visible()
    win.get_by_role("button", name="确定办理").click()  # nothing chosen: told so, nothing done
    assert win.title().startswith("错误") and "请选择" in win.inner_text(".error-summary")
    win.get_by_role("radio", name="一次性告知补正").check()
    assert win.locator("#reason").is_visible() and win.locator("#missing").is_visible()
    win.get_by_role("radio", name="受理", exact=True).check()
    assert not win.locator("#reason").is_visible()  # 受理 takes no reason
    choose(win, "受理")
    assert "已办理：已受理" in win.inner_text("main")
    choose(win, "一次性告知补正", reason="户口簿照片看不清")
    assert win.title().startswith("错误") and "每行一项" in win.inner_text("main")  # the list is required
    assert axe_violations(win) == []
    choose(win, re.compile("本环节通过"))
    assert "领导审批" not in [o.inner_text() for o in win.locator("label.choice").all()]  # the head's step
    win.close()
    head = sign_in(browser, url, "head1", PHONE)
    assert head.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # no sideways scrolling
    assert axe_violations(head) == []
    head.get_by_role("link", name=village["tracking_code"]).click()
    labels = [o.inner_text().strip() for o in head.locator("label.choice").all()]  # the radio may read as a space
    assert "通过并准予（办结）：乡镇分管领导审批" in labels and not any("本环节通过" in t for t in labels)
    choose(head, "通过并准予（办结）：乡镇分管领导审批")  # the head's step and the decision: one post
    assert "准予许可/办结" in head.inner_text("main")
    assert head.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert axe_violations(head) == []
    head.close()


def test_a_walk_in_for_a_county_item_is_accepted_and_forwarded(township, tmp_path):
    from PIL import Image
    browser, url, _ = township
    scan = tmp_path / "id.jpg"
    Image.new("RGB", (800, 500), (40, 80, 120)).save(scan, "JPEG")
    win = sign_in(browser, url, "win1", DESK)
    win.get_by_role("link", name=re.compile("窗口受理")).click()
    win.get_by_label("申请事项").select_option("RS-003")
    win.get_by_role("button", name="选择").click()
    assert "自动转报县里" in win.inner_text("main")
    win.get_by_label("姓名").fill("孙八")
    win.get_by_label("身份证号").fill("11010519440119002X")
    win.get_by_label("手机号").fill("13900001111")
    win.get_by_label("领卡方式").select_option(index=1)
    win.locator("#f-m0").set_input_files(str(scan))
    assert axe_violations(win) == []
    win.get_by_role("button", name="受理").click()
    text = win.inner_text("main")
    assert "现场申请已受理" in text and "由 371399 办理" in text and "没有需要您办理" in text
    assert win.locator(".thumbs img").count() == 1
    # Something to hand the person: the acceptance notice, a real PDF naming the case.
    printed = win.get_by_role("link", name="🖨 打印受理通知书").first
    pdf = win.request.get(url + printed.get_attribute("href"))
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf" and pdf.body()[:5] == b"%PDF-"
    assert win.get_by_role("heading", name="可打印的文书").is_visible()
    assert axe_violations(win) == []
    win.close()


def test_a_company_walk_in_takes_its_credit_code_and_legal_representative(township):
    """A construction item is applied for by a company: its 统一社会信用代码 is checked (GB 32100) on the spot."""
    browser, url, _ = township
    win = sign_in(browser, url, "win1", PHONE)
    win.goto(url + "/window/walk-in?item=ZJ-003")
    assert win.get_by_role("group", name="申请单位").is_visible()
    win.get_by_label("单位名称（与营业执照一致）").fill("示范县东岭建筑工程有限公司")
    win.get_by_label("统一社会信用代码").fill("91350100M000100Y44")  # one slip in the check character
    win.get_by_label("法定代表人").fill("周九")
    win.get_by_label("姓名").fill("吴十")
    win.get_by_label("身份证号").fill("11010519440119002X")
    win.get_by_label("手机号").fill("13900002222")
    win.get_by_label("项目名称").fill("村民活动中心")
    win.get_by_label("地上建筑面积（平方米）").fill("800")
    win.get_by_role("button", name="受理").click()
    assert win.title().startswith("错误") and "校验位不对" in win.inner_text(".error-summary")
    assert win.get_by_label("单位名称（与营业执照一致）").input_value() == "示范县东岭建筑工程有限公司"  # nothing lost
    assert axe_violations(win) == [] and win.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    win.get_by_label("统一社会信用代码").fill("91350100m000100y43")
    win.get_by_role("button", name="受理").click()
    text = win.inner_text("main")
    assert "现场申请已受理" in text and "91350100M000100Y43" in text and "法定代表人 周九" in text
    win.close()
