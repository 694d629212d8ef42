"""The kiosk's finding pages, served by a real village node: start, browse, search, item guide."""
import re

import pytest
import requests

from common.tiers import load_tier
from tests.helpers import LiveServer, make_node


@pytest.fixture(scope="module")
def kiosk(tmp_path_factory):
    cfg = make_node(tmp_path_factory.mktemp("kiosk"), "village")
    with LiveServer(load_tier("village").create_app(cfg)) as srv:
        yield srv.url


def get(url, path, **params):
    r = requests.get(url + path, params=params, timeout=10)
    return r.status_code, r.text


def test_start_screen_leads_to_finding_a_service(kiosk):
    status, html = get(kiosk, "/kiosk/")
    assert status == 200 and "我要办事" in html and 'href="/kiosk/browse"' in html
    assert re.search(r'<link rel="stylesheet" href="/kiosk/assets/kiosk.css', html)
    assert "http" not in re.sub(r'href="/[^"]*"', "", html.split("<main")[0]).replace('http-equiv', '')
    assert requests.get(kiosk + "/kiosk/assets/kiosk.css", timeout=10).status_code == 200


def test_browse_by_life_event_and_department(kiosk):
    status, html = get(kiosk, "/kiosk/browse")
    assert status == 200 and "按生活中的事情找" in html and "县民政局" in html
    status, html = get(kiosk, "/kiosk/browse/event/养老")
    assert status == 200 and "高龄津贴申领" in html
    status, html = get(kiosk, "/kiosk/browse/department/RS")
    assert status == 200 and "社会保障卡申领" in html and "县里审批" in html
    assert get(kiosk, "/kiosk/browse/department/NOPE")[0] == 404
    status, html = get(kiosk, "/kiosk/browse/event/不存在")
    assert status == 404 and "没有“不存在”这类事项" in html


def test_search_by_initials_and_the_empty_search_error(kiosk):
    status, html = get(kiosk, "/kiosk/search", q="shbzk")
    assert status == 200 and "社会保障卡申领" in html and "找到" in html
    status, html = get(kiosk, "/kiosk/search", q="   ")
    # GOV.UK error pattern: the title starts with 错误 and a summary names the fix
    assert status == 400
    assert re.search(r"<title>错误：", html) and 'role="alert"' in html and "请输入要找的事项" in html
    status, html = get(kiosk, "/kiosk/search", q="zzzzqqq")
    assert status == 200 and "没有找到" in html


def test_item_guide_shows_materials_fee_limit_and_where_decided(kiosk):
    status, html = get(kiosk, "/kiosk/item/MZ-001")
    assert status == 200
    for words in ("需要带的材料", "居民身份证", "不收费", "受理后 10 个工作日内办结", "法定 20 个工作日", "乡镇审批", "谁可以办"):
        assert words in html, words
    assert get(kiosk, "/kiosk/item/NOPE-1")[0] == 404


def test_an_instant_item_is_done_on_the_spot_and_a_complaint_is_answered_not_approved(kiosk):
    html = get(kiosk, "/kiosk/item/MZ-006")[1]
    assert "当场办结" in html and "0 个工作日" not in html
    html = get(kiosk, "/kiosk/item/RX-001")[1]
    for words in ("10 个工作日内答复", "可以附上的照片", "由谁答复", "12345"):
        assert words in html, words
    for words in ("需要带的材料", "县里审批", "办结", "收费"):  # application words
        assert words not in html, words


def test_english_is_available(kiosk):
    s = requests.Session()
    s.get(kiosk + "/lang/en", params={"next": "/kiosk/"}, timeout=10)
    html = s.get(kiosk + "/kiosk/item/MZ-001", timeout=10).text
    assert "What to bring" in html and "Free" in html


@pytest.mark.parametrize("words, first", [
    ("养老金", "城乡居民养老保险待遇申领"), ("领养老金", "城乡居民养老保险待遇申领"), ("退休金", "城乡居民养老保险待遇申领"),
    ("看病报销", "医疗费用零星报销"), ("低保户", "最低生活保障审核确认"), ("残疾证", "残疾人证新办"),
    ("老年补贴", "高龄津贴申领"), ("丧葬", "惠民殡葬补贴申领"), ("生孩子", "生育登记"), ("出生", "生育登记"),
    ("迁户口", "户口迁移（投靠亲属）"), ("我要领养老金", "城乡居民养老保险待遇申领")])
def test_search_knows_how_people_talk(kiosk, words, first):
    status, html = get(kiosk, "/kiosk/search", q=words)
    found = re.findall(r'<span class="k-item-name">([^<]+)</span>', html)
    assert status == 200 and found and found[0] == first, (words, found)


def test_a_search_that_finds_nothing_is_not_a_dead_end(kiosk):
    status, html = get(kiosk, "/kiosk/search", q="离婚")  # decided at the county's civil affairs office, not here
    assert status == 200 and "没有找到" in html and "请村代办员帮忙" in html
    assert 'role="search"' in html and 'value="离婚"' in html  # the search box again, with what was typed
    assert 'href="/kiosk/browse/event/' in html  # and the life events to start from
