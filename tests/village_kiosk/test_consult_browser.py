"""Consult and appointment screens in chromium, portrait, both languages (issue 19.4): with no line to the
township they say the network is down (not that nobody answers), never show an internal state name or a
hang-up button for a call that is not happening, and book nothing they cannot confirm."""
import pytest

from common.hlc import Clock
from common.node import open_db
from common.store import applications as apps, catalog
from tests.browser import PORTRAIT, check_screen as check, until

WORDS = {"zh": {"lookup": "查询码", "last4": "身份证号或手机号的最后 4 位", "find": "查询", "offline": "网络不通",
                "nobody": "没有工作人员能接听", "callback": "请工作人员给我回电", "saved": "回电请求已记下",
                "book": "预约到乡镇当面办理", "appt_offline": "连不上乡镇便民服务中心"},
         "en": {"lookup": "Tracking code", "last4": "Last 4", "find": "Check", "offline": "network is down",
                "nobody": "Nobody can answer", "callback": "Ask staff to call me back", "saved": "call-back request is recorded",
                "book": "Book a visit at the township", "appt_offline": "cannot be reached right now"}}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_offline_consult_says_the_line_is_down_and_books_only_what_it_keeps(browser_and_url, lang):
    browser, url, cfg = browser_and_url
    conn = open_db(cfg)
    doc = apps.submit(conn, Clock(cfg["code"]), cfg["code"], "kiosk", catalog.item(conn, "MZ-001"),
                      {"name": "钱七", "id_number": "11010519440119002X", "phone": "13700004321"},
                      {"bank_account": "6222020200112233445"})
    conn.close()
    w = WORDS[lang]
    page = browser.new_page(viewport=PORTRAIT)
    page.goto(url + f"/lang/{lang}?next=/kiosk/status")
    page.get_by_label(w["lookup"]).fill(doc["tracking_code"])
    page.get_by_label(w["last4"], exact=False).fill("4321")
    page.get_by_role("button", name=w["find"], exact=True).click()
    page.goto(url + "/kiosk/status/consult")
    until(page, "document.querySelector('[data-consult]').dataset.state === 'offline'", what="the offline state")
    text = page.inner_text("main")
    assert w["offline"] in text and w["nobody"] not in text and "wrap_up" not in text and "offline" not in text.split()
    assert not page.get_by_role("button", name="挂断" if lang == "zh" else "Hang up").is_visible()
    check(page, f"consult offline {lang}")
    page.get_by_role("button", name=w["callback"]).click()
    page.wait_for_url("**/kiosk/status/view?sent=callback")
    text = page.inner_text("main")
    assert w["saved"] in text
    until(page, "document.querySelector('.k-delivery') && document.querySelector('.k-delivery').dataset.delivery === 'offline'",
          what="the call-back waiting for the network")
    page.get_by_role("link", name=w["book"]).click()
    text = page.inner_text("main")
    assert w["appt_offline"] in text and ("预约成功" not in text and "Booked" not in text)
    assert page.locator("button[name=time]").count() == 0
    check(page, f"appointment offline {lang}")
    page.close()
