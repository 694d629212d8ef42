"""Read-aloud made by the node (issue 19.9): espeak-ng audio, cached per text, with nothing but the page's words."""
import wave

import pytest
import requests

from common.errors import ConfigError, Unavailable, ValidationError
from common.tiers import load_tier
from tests.helpers import LiveServer, make_node
from village_kiosk import speech


def test_what_is_said_has_no_emoji_symbols_or_navigation_words():
    said = speech.clean("← 返回\n🔊 朗读 ⌂ 首页\n  高龄津贴申领  ✔ 已提交\n⚠ 请填写姓名 📷 拍照\x07")
    assert said == "高龄津贴申领 已提交\n请填写姓名 拍照"
    assert len(speech.clean("字" * 100_000)) == speech.MAX_CHARS
    for nothing in ("", "  ✔ 📷 ", "← 返回"):
        with pytest.raises(ValidationError):
            speech.clean(nothing)
    with pytest.raises(ValidationError):
        speech.clean(["高龄津贴"])


@pytest.fixture
def village(tmp_path):
    return make_node(tmp_path, "village")


def test_the_node_makes_a_wav_once_and_keeps_the_cache_bounded(village):
    assert speech.available(village, "zh") and speech.available(village, "en")
    path = speech.audio(village, "您好，请选择要办的事", "zh")
    with wave.open(str(path)) as w:
        assert w.getnframes() / w.getframerate() > 0.5  # real speech, not a bare header
    again = speech.audio(village, "您好，请选择要办的事 ✔", "zh")  # the same words once cleaned
    assert again == path
    assert speech.audio(village, "Hello", "en") != path
    speech._trim(path.parent, limit=1)
    assert list(path.parent.glob("*.wav")) == []


def test_a_node_without_a_voice_says_so(village):
    off = type(village)(dict(village, kiosk_voice=""))
    assert not speech.available(off, "zh")
    with pytest.raises(Unavailable):
        speech.audio(off, "您好", "zh")
    with pytest.raises(ConfigError):
        speech.engine(dict(village, kiosk_voice="festival"))


def test_the_kiosk_offers_the_voice_only_when_it_has_one(tmp_path):
    on = make_node(tmp_path / "on", "village")
    off = make_node(tmp_path / "off", "village", kiosk_voice="")
    with LiveServer(load_tier("village").create_app(on)) as a, LiveServer(load_tier("village").create_app(off)) as b:
        assert 'data-node-voice="/kiosk/speech"' in requests.get(a.url + "/kiosk/", timeout=10).text
        assert 'data-node-voice=""' in requests.get(b.url + "/kiosk/", timeout=10).text
        r = requests.post(a.url + "/kiosk/speech", json={"text": "请选择要办的事"}, timeout=30)
        assert r.status_code == 200 and r.headers["Content-Type"] == "audio/wav" and r.content[:4] == b"RIFF"
        for bad in ([], {"text": 5}, {"text": "📷 ← 返回"}):
            assert requests.post(a.url + "/kiosk/speech", json=bad, timeout=10).status_code == 400
        assert requests.post(b.url + "/kiosk/speech", json={"text": "您好"}, timeout=10).status_code == 503
