"""Issue 19's screens in chromium, portrait 1080×1920, in both languages: search as people talk (19.10), the
pre-check before any photo (19.13), one language at a time (19.3), where an application stands in a plain
sentence (19.5, 19.6), the line's state as it is (19.1) and a gentle idle warning (19.11)."""
import re

import pytest

from common.hlc import Clock
from common.node import open_db
from common.store import applications as apps, catalog
from common.store.db import transaction
from common.tiers import load_tier
from tests.browser import PORTRAIT, check_screen as check, until
from tests.helpers import LiveServer, make_node

T = "371399101"
PERSON = {"name": "钱七", "id_number": "11010519440119002X", "phone": "13700004321"}
YOUNG = "110105199003070017"  # born 1990: too young for 高龄津贴 (80 and over)
CJK = re.compile(r"[\u3400-\u9fff]")
W = {"zh": {"pension": "城乡居民养老保险待遇申领", "clerk": "村代办员", "again": "换个说法", "eighty": "80",
            "finished": "已办结：同意", "due": "预计办结", "step": "乡镇窗口审核", "offline": "网络不通",
            "idle": "还在", "found": "查询码"},
      "en": {"pension": "Claiming a residents' pension", "clerk": "village clerk", "again": "Try other words",
             "eighty": "80", "finished": "Finished: approved", "due": "Due", "step": "乡镇窗口审核",
             "offline": "line to the township is down", "idle": "still there", "found": "Tracking code"}}


def main_text(page):
    return page.inner_text("main")


def finished_application(cfg):
    """A 高龄津贴 application the township received, reviewed, approved — as the link delivers it."""
    conn = open_db(cfg)
    doc = apps.submit(conn, Clock(cfg["code"]), cfg["code"], "kiosk", catalog.item(conn, "MZ-001"), PERSON,
                      {"bank_account": "6222020200112233445"})
    clock = Clock(T, last=doc["last_hlc"])
    steps = [("received", {}), ("accepted", {}), ("step_passed", {"step": "review"}), ("step_passed", {"step": "approve"}),
             ("approved", {})]
    with transaction(conn):
        for n, (kind, payload) in enumerate(steps):
            apps.ingest(conn, {"id": f"t{n}-{doc['id']}", "app_id": doc["id"], "origin": T, "hlc": clock.now(),
                               "actor": "win1", "type": kind, "payload": payload}, trusted=True)
    waiting = apps.submit(conn, Clock(cfg["code"]), cfg["code"], "kiosk", catalog.item(conn, "MZ-001"), PERSON,
                          {"bank_account": "6222020200112233445"})
    conn.close()
    return doc["tracking_code"], waiting["tracking_code"]


def look_up(page, url, code):
    page.goto(url + "/kiosk/status")
    page.locator("#code").fill(code)
    page.locator("#last4").fill(PERSON["phone"][-4:])
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_load_state("load")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_what_the_kiosk_says_is_true_and_in_one_language(browser_and_url, lang):
    browser, url, cfg = browser_and_url
    w = W[lang]
    page = browser.new_page(viewport=PORTRAIT)
    page.goto(url + f"/lang/{lang}?next=/kiosk/")
    # 19.10: the words people say find the service; nothing found still leads somewhere.
    page.goto(url + "/kiosk/search?q=领养老金")
    assert w["pension"] in main_text(page)
    check(page, f"search by everyday words ({lang})")
    page.goto(url + "/kiosk/search?q=zzqqxx")
    text = main_text(page)
    assert w["clerk"] in text and w["again"] in text and page.locator("#q").is_visible()
    check(page, f"nothing found ({lang})")
    # 19.13: too young for the item, told on the applicant page, before any photo.
    page.goto(url + "/kiosk/item/MZ-001")
    page.locator("main form button[type=submit]").first.click()
    page.locator("#name").fill(PERSON["name"])
    page.locator("#id_number").fill(YOUNG)
    page.locator("#phone").fill(PERSON["phone"])
    page.locator("main form.k-form button[type=submit]").click()
    page.wait_for_load_state("load")
    summary = page.inner_text(".k-error-summary")
    assert w["eighty"] in summary and "/kiosk/apply/applicant" in page.url
    if lang == "en":
        assert not CJK.search(summary), summary  # 19.3: English only
    else:
        assert not re.search(r"[A-Za-z]{3,}", summary), summary  # Chinese only
    check(page, f"pre-check refuses ({lang})")
    # 19.3: an error page in one language, telling a villager nothing meant for staff.
    page.goto(url + "/kiosk/item/NOPE-999")
    text = main_text(page)
    assert not (CJK.search(text) if lang == "en" else re.search(r"\b(the|not|found|sanji)\b", text, re.I)), text
    check(page, f"error page ({lang})")
    # 19.6: a finished application says so in a sentence, names its steps, and promises no date any more.
    done, waiting = finished_application(cfg)
    look_up(page, url, done)
    text = main_text(page)
    assert w["finished"] in text and w["due"] not in text and w["step"] in text, text
    check(page, f"finished ({lang})")
    # 19.1: an event still here, and no line up: said as the line being down (nothing else claims it).
    look_up(page, url, waiting)
    assert w["offline"] in main_text(page)
    check(page, f"waiting for the line ({lang})")
    page.close()


@pytest.fixture(scope="module")
def quick_idle(tmp_path_factory):
    cfg = make_node(tmp_path_factory.mktemp("idle"), "village", kiosk_idle_warn_seconds=2,
                    kiosk_idle_reset_seconds=600, kiosk_idle_reset_with_data_seconds=600)
    with LiveServer(load_tier("village").create_app(cfg)) as srv:
        yield srv.url


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_idle_warning_is_in_the_middle_with_a_live_countdown(browser_and_url, quick_idle, lang):
    browser = browser_and_url[0]
    page = browser.new_page(viewport=PORTRAIT)
    page.goto(quick_idle + f"/lang/{lang}?next=/kiosk/browse")
    page.wait_for_selector("#k-idle", state="visible", timeout=15_000)
    box = page.locator(".k-idle-box").bounding_box()
    middle = box["y"] + box["height"] / 2
    assert abs(middle - PORTRAIT["height"] / 2) < PORTRAIT["height"] * 0.15, box  # not at the bottom of 1920 px
    first = int(page.inner_text("#k-idle-left"))
    until(page, f"parseInt(document.getElementById('k-idle-left').textContent) < {first}", timeout=5,
          what="the countdown moving")
    assert W[lang]["idle"] in page.inner_text(".k-idle-box")
    button = page.locator("#k-idle-continue").bounding_box()
    assert button["height"] >= 60 and button["width"] >= 300
    check(page, f"idle warning ({lang})")
    page.locator("#k-idle-continue").click()
    assert page.locator("#k-idle").is_hidden()
    page.close()
