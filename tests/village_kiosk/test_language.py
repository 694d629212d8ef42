"""One language at a time (issue 19.3): in Chinese mode a kiosk error says it in Chinese only, in English
mode in English only, and never tells a villager to run a command or names a role code."""
import re

import pytest
import requests

from common import i18n
from common.tiers import load_tier
from tests.helpers import LiveServer, make_node

CJK = re.compile(r"[\u3400-\u9fff]")


@pytest.fixture(scope="module")
def kiosk(tmp_path_factory):
    cfg = make_node(tmp_path_factory.mktemp("lang"), "village")
    with LiveServer(load_tier("village").create_app(cfg)) as srv:
        yield srv.url


def main_text(html):
    body = html.split("<main", 1)[1].split(">", 1)[1].split("</main>", 1)[0]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))


# Pages that end in an error: an item no catalog has (its fix is a CLI command), a tracking code in
# the wrong shape, a page that does not exist, an application not looked up.
BAD = ["/kiosk/item/NOPE-1", "/kiosk/status/view", "/kiosk/no-such-page", "/kiosk/apply/done"]


@pytest.mark.parametrize("path", BAD)
def test_a_kiosk_error_in_chinese_mode_is_chinese_only(kiosk, path):
    r = requests.get(kiosk + path, timeout=10)
    assert r.status_code in (400, 404)
    text = main_text(r.text)
    assert CJK.search(text)
    assert not re.search(r"[A-Za-z]{3,}", re.sub(r"\b[A-Z]+-\d+\b", "", text)), text  # no English (codes aside)
    assert "sanji" not in r.text and "`" not in text


@pytest.mark.parametrize("path", BAD)
def test_a_kiosk_error_in_english_mode_is_english_only(kiosk, path):
    s = requests.Session()
    s.get(kiosk + "/lang/en", params={"next": "/kiosk/"}, timeout=10)
    r = s.get(kiosk + path, timeout=10)
    text = main_text(r.text)
    assert re.search(r"[A-Za-z]{3,}", text) and not CJK.search(text), text
    assert "sanji" not in text and "`" not in text


def test_a_bilingual_message_is_split_only_where_it_is_one():
    assert i18n.pick("没有这个页面 / there is no page at this address", "zh") == "没有这个页面"
    assert i18n.pick("没有这个页面 / there is no page at this address", "en") == "there is no page at this address"
    for text in ("3号楼 / 2单元", "A / B", "请选择", "地址：东街 / West St 5号"):  # not "中文 / English"
        assert i18n.pick(text, "zh") == text and i18n.pick(text, "en") == text
    assert i18n.for_villager("`sanji catalog list` shows the codes", "zh") is None
    assert i18n.for_villager("needs one of: admin", "en") is None
    assert i18n.for_villager("回到首页重新开始 / start again from the home page", "en") == "start again from the home page"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_errors_made_of_a_message_and_its_fix_are_in_one_language(kiosk, lang):
    from tests.village_kiosk.test_apply import GOOD, Visitor, errors_of
    v = Visitor(kiosk)
    if lang == "en":
        v.s.get(kiosk + "/lang/en", params={"next": "/kiosk/"}, timeout=10)
    v.start("MZ-002")
    v.post("/kiosk/apply/applicant", GOOD)
    v.post("/kiosk/apply/details", {"reason": "火灾", "amount": "800"})
    bad_photo = v.post("/kiosk/apply/materials/0", files={"photo": ("x.jpg", b"not an image", "image/jpeg")})
    lookups = [v.post("/kiosk/status", {"code": "", "last4": ""}), v.post("/kiosk/status", {"code": "X", "last4": "1"}),
               v.post("/kiosk/status", {"code": "ABCDE-FGHJK", "last4": "1234"})]
    wrong_method = v.s.get(kiosk + "/kiosk/reset", timeout=10)
    for r in [bad_photo, *lookups, wrong_method]:
        said = " ".join(text for _, text in errors_of(r.text)) or main_text(r.text)
        words = re.sub(r"\b[A-Z0-9]+-[A-Z0-9]+\b", "", said)
        if lang == "zh":
            assert CJK.search(said) and not re.search(r"[A-Za-z]*[a-z]{2,}", words), said  # (JPG, PNG aside)
        else:
            assert not CJK.search(said), said
        assert "/api/" not in said and "GET" not in said
