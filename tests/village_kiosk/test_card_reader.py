"""The ID card reader seam (issue 19.8): the drivers (a real HTTP reader service on loopback, the simulator),
everything a driver answers checked before use, and the applicant page filled from a card."""
import json
import time

import pytest
import requests
from flask import Flask, Response

from common.errors import ConfigError, Unavailable, ValidationError
from common.tiers import load_tier
from tests.helpers import LiveServer, csrf_from, make_node
from tests.sync.netutil import free_port
from village_kiosk import card_reader

CARD = {"name": "王秀英", "id_number": "11010519440119002X", "address": "示范县东岭村 3 组 12 号"}


def ok(card=CARD):
    return {"status": "ok", "card": dict(card)}


def test_a_good_card_is_taken_and_everything_else_is_refused():
    assert card_reader.checked(ok()) == CARD
    with pytest.raises(card_reader.NoCard):
        card_reader.checked({"status": "no_card"})
    for answer in ({"status": "error", "message": "设备未连接"}, {"status": "ok"}, {"status": "ok", "card": "王"}, {}):
        with pytest.raises(Unavailable):
            card_reader.checked(answer)
    for bad in ({"name": ""}, {"name": "<script>x</script>"}, {"name": "王\u200b秀英"}, {"name": "王" * 51},
                {"name": 7}, {"id_number": "110105194401190021"}, {"id_number": None}, {"id_number": "1" * 400}):
        with pytest.raises(ValidationError):
            card_reader.checked(ok(dict(CARD, **bad)))
    assert card_reader.checked(ok(dict(CARD, address="x" * 101)))["address"] == ""  # left out, not trusted
    assert card_reader.checked(ok(dict(CARD, address=["a"])))["address"] == ""
    assert card_reader.checked(ok(dict(CARD, id_number="11010519440119002x")))["id_number"] == "11010519440119002X"


def test_the_setting_is_checked_at_start():
    for good in ("", "simulator", "http://127.0.0.1:19196/readcard"):
        assert card_reader.check_setting({"card_reader": good}) == good
    with pytest.raises(ConfigError):
        card_reader.check_setting({"card_reader": "com3"})


@pytest.fixture(scope="module")
def service():
    """A reader service on loopback answering what the test puts in ANSWER (a dict, bytes, or a delay)."""
    app = Flask("fake-reader")
    app.config["SANJI"] = {"web_threads": 2}
    state = {"answer": ok(), "delay": 0, "status": 200, "headers": {}, "drip": 0}

    @app.get("/healthz")
    def healthz():
        return "ok"

    @app.get("/readcard")
    def readcard():
        time.sleep(state["delay"])
        body = state["answer"]
        body = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
        if state["drip"]:  # a byte at a time: each read is quick, the whole is not
            def dripping():
                for i in range(len(body)):
                    time.sleep(state["drip"])
                    yield body[i:i + 1]
            return Response(dripping(), mimetype="application/json")
        return Response(body, status=state["status"], mimetype="application/json", headers=state["headers"])
    with LiveServer(app) as srv:
        yield srv.url + "/readcard", state


def test_a_reader_service_over_http(service, tmp_path):
    url, state = service
    cfg = make_node(tmp_path, "village", card_reader=url)
    state.update(answer=ok(), delay=0)
    assert card_reader.read(cfg) == CARD
    state["answer"] = {"status": "no_card"}
    with pytest.raises(card_reader.NoCard):
        card_reader.read(cfg)
    state["answer"] = b"not json"
    with pytest.raises(ValidationError):
        card_reader.read(cfg)
    state["answer"] = json.dumps(ok(dict(CARD, address="x" * 20_000))).encode()
    with pytest.raises(ValidationError) as e:
        card_reader.read(cfg)  # read no further than the bound
    assert "太长" in e.value.message
    for answer, extra in ((ok(), {"status": 500}),                                  # an error page is no card
                          (b"[" * 5000 + b"]" * 5000, {}),                            # nesting beyond the parser
                          (b"not gzip at all", {"headers": {"Content-Encoding": "gzip"}}),
                          (ok(), {"headers": {"Content-Encoding": "gzip, gzip, gzip, gzip, gzip, gzip"}})):
        state.update({"answer": answer, "status": 200, "headers": {}, **extra})
        with pytest.raises((Unavailable, ValidationError)):
            card_reader.read(cfg)
    state.update(answer=ok(), status=200, headers={}, drip=0.05)
    started, deadline = time.monotonic(), card_reader.DEADLINE
    card_reader.DEADLINE = 1.0  # the limit made short for the test; the drip would take ~5 s
    try:
        with pytest.raises(Unavailable):
            card_reader.read(cfg)
    finally:
        card_reader.DEADLINE = deadline
        state["drip"] = 0
    assert time.monotonic() - started < 3
    dead = make_node(tmp_path / "dead", "village", card_reader=f"http://127.0.0.1:{free_port()}/readcard")
    with pytest.raises(Unavailable):
        card_reader.read(dead)


def test_the_simulator_reads_the_card_laid_on_it(tmp_path):
    cfg = make_node(tmp_path, "village", card_reader="simulator")
    with pytest.raises(card_reader.NoCard):
        card_reader.read(cfg)
    card_reader.put_simulated_card(cfg, CARD)
    assert card_reader.read(cfg) == CARD
    card_reader.take_simulated_card(cfg)
    with pytest.raises(card_reader.NoCard):
        card_reader.read(cfg)


@pytest.fixture
def kiosks(tmp_path):
    with_reader = make_node(tmp_path / "r", "village", card_reader="simulator")
    without = make_node(tmp_path / "n", "village")
    with LiveServer(load_tier("village").create_app(with_reader)) as a, \
            LiveServer(load_tier("village").create_app(without)) as b:
        yield (a.url, with_reader), b.url


def begin(url, item="MZ-001"):
    s = requests.Session()
    token = csrf_from(s.get(url + f"/kiosk/item/{item}", timeout=10).text)
    r = s.post(url + f"/kiosk/apply/start/{item}", data={"csrf_token": token}, timeout=10)
    assert r.status_code == 200 and "/kiosk/apply/applicant" in r.url
    return s, token, r.text


def test_a_card_fills_the_applicant_page_and_the_villager_confirms(kiosks):
    (url, cfg), plain = kiosks
    s, token, page = begin(plain)
    assert "读身份证" not in page  # no reader, no button that cannot work
    s, token, page = begin(url)
    assert "读身份证" in page
    r = s.post(url + "/kiosk/apply/card", data={"csrf_token": token}, timeout=10)
    assert r.status_code == 400 and "没有读到身份证" in r.text and "平放" in r.text
    card_reader.put_simulated_card(cfg, CARD)
    r = s.post(url + "/kiosk/apply/card", data={"csrf_token": token}, timeout=10)
    assert r.status_code == 200 and "已从身份证读出" in r.text
    assert 'value="王秀英"' in r.text and 'value="11010519440119002X"' in r.text
    assert "第 2 步" not in r.text  # still the applicant page: nothing taken until the person confirms
    r = s.post(url + "/kiosk/apply/applicant", data={"csrf_token": token, "name": "王秀英",
                                                     "id_number": "11010519440119002X", "phone": "13700004321"},
               timeout=10)
    assert r.status_code == 200 and "/kiosk/apply/details" in r.url
    card_reader.put_simulated_card(cfg, dict(CARD, id_number="110105194401190021"))  # a bad check digit
    s2, token2, _ = begin(url)
    r = s2.post(url + "/kiosk/apply/card", data={"csrf_token": token2}, timeout=10)
    assert r.status_code == 400 and 'id="card-error"' in r.text
    assert 'value="王秀英"' not in r.text  # a card that fails its checks fills in nothing
