"""The citizen-voice screens of the kiosk in a real chromium: sending a complaint, reading its answer,
rating the service, reading a public notice. Every screen: axe-core and the 适老化 numbers (text size,
line height, target size), in portrait; the notice screens in landscape too."""
import re

import pytest

from common.hlc import Clock
from common.node import open_db
from common.store import applications as apps
from common.store import notices as notice_store
from common.store.db import transaction
from tests.browser import LANDSCAPE, PORTRAIT, focus_is_on_error_summary
from tests.helpers import CODES
from tests.village_kiosk.test_kiosk_browser import check_screen

C, T = CODES["county"], CODES["township"]
NAME, ID_OK, PHONE = "孙八", "11010519440119002X", "13700008765"
ANSWER = "您反映的村道路灯问题，县住建局已安排维修，12月10日前修好。"


def answered(cfg, code):
    """The county's handling of the complaint CODE, as the link would deliver it to the village."""
    conn = open_db(cfg)
    doc = apps.by_tracking_code(conn, code)[0]
    steps = [(T, "forwarded", {}), (C, "accepted", {}), (C, "step_passed", {"step": "songyue", "assign": "ZJ"}),
             (C, "step_passed", {"step": "pibang"}), (C, "step_passed", {"step": "chengban", "answer": ANSWER}),
             (C, "step_passed", {"step": "ducha"}), (C, "approved", {"answer": ANSWER})]
    clock = Clock(C, last=doc["last_hlc"])
    with transaction(conn):
        for n, (origin, kind, payload) in enumerate(steps):
            apps.ingest(conn, {"id": f"v{n}-{doc['id'][:8]}", "app_id": doc["id"], "origin": origin, "hlc": clock.now(),
                               "actor": "zj1", "type": kind, "payload": payload}, trusted=True)
    conn.close()


def test_a_villager_complains_reads_the_answer_and_rates_it(browser_and_url):
    browser, url, cfg = browser_and_url
    page = browser.new_page(viewport=PORTRAIT)
    page.goto(url + "/kiosk/")
    page.get_by_role("link", name="投诉建议 · 咨询").click()
    check_screen(page, "voice list")
    assert [t.strip() for t in page.locator(".k-item-name").all_inner_texts()] == [
        "投诉（对办事、服务或工作人员不满意）", "意见建议", "政策咨询"]
    page.get_by_role("link", name=re.compile("意见建议")).click()
    check_screen(page, "voice guide")
    page.get_by_role("button", name="开始申请").click()
    page.get_by_label("姓名").fill(NAME)
    page.get_by_label("身份证号").fill(ID_OK)
    page.get_by_label("手机号").fill(PHONE)
    page.get_by_role("button", name="下一步").click()
    check_screen(page, "voice questions")
    page.get_by_role("button", name="下一步").click()  # nothing chosen or written yet
    assert page.title().startswith("错误") and focus_is_on_error_summary(page)
    check_screen(page, "voice questions with errors")
    page.get_by_label("道路水电").check()
    page.get_by_label("请说说是什么事").fill("村东头的路灯坏了三个月，晚上老人走路看不见。")
    page.get_by_role("button", name="下一步").click()
    check_screen(page, "voice photo (optional)")
    page.get_by_role("button", name="下一步").click()
    check_screen(page, "voice check")
    assert "村东头的路灯坏了三个月" in page.inner_text("main")
    page.get_by_role("button", name="提交申请").click()
    check_screen(page, "voice sent")
    code = page.inner_text("#tracking-code").strip()

    answered(cfg, code)
    page.goto(url + "/kiosk/status")
    page.get_by_label("查询码").fill(code)
    page.get_by_label("身份证号或手机号的最后 4 位").fill(PHONE[-4:])
    page.get_by_role("button", name="查询").click()
    main = page.inner_text("main")
    assert "已答复" in main and ANSWER in main and "您提交了诉求" in main and "审核通过一步" not in main
    check_screen(page, "voice answer")
    page.get_by_role("link", name=re.compile("评价这次办事")).click()
    check_screen(page, "rate: how satisfied")
    page.get_by_label(re.compile("不满意")).first.check()
    page.get_by_role("button", name=re.compile("下一步|确定|提交")).click()
    check_screen(page, "rate: what went wrong")
    page.get_by_label("等的时间太长").check()
    page.get_by_role("button", name=re.compile("下一步|确定|提交")).click()
    assert "谢谢您告诉我们" in page.inner_text("main") and "最迟答复日期" not in page.inner_text("main")  # answered
    check_screen(page, "rate: thanks")
    conn = open_db(cfg)
    doc = apps.by_tracking_code(conn, code)[0]
    conn.close()
    assert doc["rating"]["level"] == 2 and doc["rectification"]["comment"] == "等的时间太长"
    page.close()


@pytest.mark.parametrize("viewport", [PORTRAIT, LANDSCAPE], ids=["portrait", "landscape"])
def test_a_villager_reads_a_notice_and_can_have_it_read_aloud(browser_and_url, viewport):
    browser, url, cfg = browser_and_url
    conn = open_db(cfg)
    with transaction(conn):
        notice_store.upsert(conn, {"id": "n-guide", "publisher": T, "version": 1, "title": "冬季用电安全提醒",
                                   "body": "天冷用电多，请不要私拉电线。\n\n电热毯不要整夜开着。", "category": "notice",
                                   "published_on": "2026-01-01", "expires_on": None, "withdrawn": False})
        notice_store.upsert(conn, {"id": "n-old", "publisher": T, "version": 1, "title": "已过期的公告", "body": "b",
                                   "category": "notice", "published_on": "2025-01-01", "expires_on": "2025-02-01",
                                   "withdrawn": False})
    conn.close()
    page = browser.new_page(viewport=viewport)
    page.goto(url + "/kiosk/")
    page.get_by_role("link", name="政务公开 · 通知").click()
    check_screen(page, "notices")
    assert "已过期的公告" not in page.inner_text("main")
    page.get_by_role("link", name=re.compile("冬季用电安全提醒")).click()
    check_screen(page, "one notice")
    assert page.locator("#notice-text p").count() == 2
    assert page.get_by_role("button", name=re.compile("朗读这条公告")).is_visible()
    page.close()
