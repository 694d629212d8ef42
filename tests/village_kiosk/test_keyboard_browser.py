"""The on-screen keyboard (issue 19.7) in chromium, portrait 1080×1920, both languages: a villager applies
for 高龄津贴 from the start screen to the receipt with taps alone — not one keyboard event — typing the
name by pinyin and candidates, the ID number on digits and X, the photos through the (fake) camera."""
import re

import pytest

from common.tiers import load_tier
from tests.browser import PORTRAIT, check_screen as check, chromium_path, until
from tests.helpers import LiveServer, make_node
from village_kiosk import card_reader

# Every key event the page sees, from the first script on: a taps-only journey must end with none.
COUNT_KEYS = """() => { window.__keys = 0; for (const t of ['keydown', 'keyup', 'keypress'])
  window.addEventListener(t, () => { window.__keys += 1; }, true); }"""


@pytest.fixture(scope="module")
def kiosk(tmp_path_factory):
    from playwright.sync_api import sync_playwright
    root = tmp_path_factory.mktemp("keyboard")
    plain = make_node(root / "plain", "village")
    reader = make_node(root / "reader", "village", card_reader="simulator")
    card_reader.put_simulated_card(reader, {"name": "王秀英", "id_number": "11010519440119002X", "address": ""})
    with LiveServer(load_tier("village").create_app(plain)) as a, \
            LiveServer(load_tier("village").create_app(reader)) as b, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=[
            "--no-sandbox", "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"])
        try:
            yield browser, {False: a.url, True: b.url}
        finally:
            browser.close()


def tap(page, selector):
    """A tap: pointer and mouse events on the element, never a key."""
    page.locator(selector).first.click()


def tap_keys(page, text):
    for ch in text:
        tap(page, f'.k-keyboard:not([hidden]) .hg-button[data-skbtn="{ch}"]')


def tap_pinyin(page, pinyin, char):
    tap_keys(page, pinyin)
    page.locator(".hg-candidate-box-list-item", has_text=char).first.click()


def keys_of(page):
    return page.evaluate("window.__keys")


def type_name_and_id(page, lang):
    """The name by pinyin and candidates, the ID number on digits and X."""
    tap(page, "#name")
    until(page, "!document.getElementById('k-keyboard').hidden", what="the keyboard opening on the name field")
    if lang == "en":
        tap(page, '.hg-button[data-skbtn="{pinyin}"]')  # the English kiosk starts on ABC: switch to pinyin
    check(page, f"applicant with the keyboard open ({lang})")
    tap_pinyin(page, "wang", "王")
    tap_pinyin(page, "xiu", "秀")
    tap_pinyin(page, "ying", "英")
    assert page.input_value("#name") == "王秀英"
    tap(page, "#id_number")
    until(page, "document.getElementById('k-keyboard').dataset.layout === 'id'", what="the ID keys")
    tap_keys(page, "11010519440119002X")
    assert page.input_value("#id_number") == "11010519440119002X"


@pytest.mark.parametrize("reader", [False, True], ids=["typed", "card-reader"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_villager_applies_with_taps_alone(kiosk, lang, reader):
    browser, urls = kiosk
    page = browser.new_page(viewport=PORTRAIT, has_touch=True)
    page.add_init_script(COUNT_KEYS.replace("() => {", "(() => {", 1) + ")()")
    page.goto(urls[reader] + f"/lang/{lang}?next=/kiosk/item/MZ-001")
    tap(page, "button.k-primary[type=submit]")  # 开始申请 / Start
    page.wait_for_selector("#name")
    page.wait_for_load_state("load")
    if reader:
        check(page, f"applicant with a card reader ({lang})")
        tap(page, "form#card button[type=submit]")  # 读身份证: the simulator's card fills name and number
        page.wait_for_selector("[data-card=read]")
        assert (page.input_value("#name"), page.input_value("#id_number")) == ("王秀英", "11010519440119002X")
    else:
        type_name_and_id(page, lang)
    tap(page, "#phone")
    until(page, "document.getElementById('k-keyboard').dataset.layout === 'digits'", what="the phone keys")
    tap_keys(page, "13700004321")
    tap(page, '.hg-button[data-skbtn="{done}"]')
    assert page.locator("#k-keyboard").is_hidden()
    tap(page, "main form.k-form button[type=submit]")  # 下一步
    page.wait_for_selector("#bank_account")
    page.wait_for_load_state("load")  # the keyboard's script attached (a busy machine shows the field first)
    tap(page, "#bank_account")
    tap_keys(page, "62220202001122339")
    tap(page, '.hg-button[data-skbtn="{bksp}"]')  # a slip, taken back
    tap_keys(page, "445")
    assert page.input_value("#bank_account") == "6222020200112233445"
    tap(page, "main form button.k-primary[type=submit]")
    page.wait_for_selector("#m0")
    for i in range(3):  # the three required documents through the camera
        tap(page, f"#m{i} .k-camera-open")
        until(page, f"document.querySelector('#m{i} video').videoWidth > 0", what=f"camera {i}")
        tap(page, f"#m{i} .k-camera-shoot")
        page.wait_for_selector(f"#m{i} img")
    tap(page, "main > form button.k-primary, main form[action$='materials'] button.k-primary")
    page.wait_for_selector("form#submit")
    check(page, f"check answers ({lang})")
    tap(page, "form#submit button[type=submit]")
    page.wait_for_selector("#tracking-code")
    assert re.fullmatch(r"[A-Z0-9]{5}-[A-Z0-9]{5}", page.inner_text("#tracking-code").strip())
    check(page, f"confirmation ({lang})")
    tap(page, "a[href$='/kiosk/receipt/80mm']")  # 19.12: a real 受理回执
    page.wait_for_selector("#r-print")
    receipt = page.inner_text("body")
    promise = "受理后 10 个工作日内办结" if lang == "zh" else "Within 10 working days of being accepted"
    for words in ("12345", promise, "测试village"):  # the supervision phone, the time limit, the receiving office
        assert words in receipt, (words, receipt[:600])
    assert keys_of(page) == 0  # from the start screen to the receipt: taps only
    page.close()
