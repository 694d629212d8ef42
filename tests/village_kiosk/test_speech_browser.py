"""Read-aloud in chromium, portrait, both languages (issue 19.9): a browser without a voice (Chromium here has
none) still reads the page, with the node's audio, and what it reads is the page's words: no emoji, no way back,
no button labels."""
import re

import pytest

from tests.browser import PORTRAIT, axe_violations, until

HEADINGS = {"zh": "高龄津贴申领", "en": "Old-age allowance"}
NEVER = ("返回", "首页", "朗读", "开始申请", "Back", "Home", "Read aloud", "Start")
EMOJI = re.compile("[\u2190-\u21ff\u2300-\u23ff\u2600-\u27bf\U0001F000-\U0001FAFF]")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_page_is_read_by_the_nodes_voice_with_only_its_words(browser_and_url, lang):
    browser, url, _ = browser_and_url
    page = browser.new_page(viewport=PORTRAIT)
    page.goto(url + f"/lang/{lang}?next=/kiosk/item/MZ-001")
    assert page.evaluate("window.speechSynthesis.getVoices().length") == 0  # this browser has no voice of its own
    button = page.locator("#k-read")
    assert button.is_visible()
    assert axe_violations(page) == []
    with page.expect_response(lambda r: r.url.endswith("/kiosk/speech")) as answer:
        button.click()
    said = answer.value.request.post_data_json["text"]
    assert HEADINGS[lang] in said, said
    assert not EMOJI.search(said) and not any(word in said for word in NEVER), said
    assert answer.value.status == 200 and answer.value.headers["content-type"] == "audio/wav"
    assert int(answer.value.headers["content-length"]) > 10_000  # seconds of speech
    until(page, "['playing', 'done'].includes(document.body.dataset.speaking)", what="the audio playing")
    # The status form's error is read with the question it belongs to.
    page.goto(url + "/kiosk/status")
    page.locator("form button[type=submit]").last.click()
    page.wait_for_load_state("load")
    words = page.evaluate("window.sanjiPageWords()")
    assert ("请输入" in words or "enter" in words.lower()) and "⚠" not in words
    page.close()


def test_a_kiosk_with_no_voice_at_all_shows_no_read_aloud_button(browser_and_url, tmp_path):
    from common.tiers import load_tier
    from tests.helpers import LiveServer, make_node
    browser = browser_and_url[0]
    cfg = make_node(tmp_path, "village", kiosk_voice="")
    with LiveServer(load_tier("village").create_app(cfg)) as srv:
        page = browser.new_page(viewport=PORTRAIT)
        page.goto(srv.url + "/kiosk/item/MZ-001")
        assert page.locator("#k-read").is_hidden()  # a button that would say nothing is not offered
        page.close()
