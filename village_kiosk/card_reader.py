"""The 二代身份证 reader seam: the kiosk page asks its node, the node asks the reader driver in sanji.toml.

`card_reader` names the driver (docs/card-reader.md is the contract):
- "" (default): no reader; the kiosk shows no card button.
- "simulator": the demo's and the tests' reader. A card lies on it while the file
  DATA/card-reader/card.json exists (`sanji`'s demo puts one there); its answer is that file.
- "http://127.0.0.1:PORT/PATH": a reader service on the kiosk PC (how the common readers expose
  themselves, or a small shim in front of one). The node GETs it and reads the JSON answer.

Whatever a driver answers is checked before it is used, as anything from outside: a bounded size,
a name the applicant form would take, an ID number with a valid check digit, an address of plain
text. One read at a time: a second tap while the reader works is told so rather than queued.
"""
import json
import threading
import time
import unicodedata
from pathlib import Path

import requests
import urllib3

from common import idcard
from common.domain.submission import INVISIBLE, MARKUP_RE, NAME_MAX, clean_text
from common.errors import ConfigError, Unavailable, ValidationError

MAX_BYTES = 16_384        # a card's answer is a few hundred bytes (the photo is not asked for)
TIMEOUT = (1.0, 5.0)      # connect, read: a reader answers within a second or two of a card being placed
DEADLINE = 8.0            # the whole answer, however it trickles in
ADDRESS_MAX = 100
SIMULATOR = "simulator"
_busy = threading.Lock()


class NoCard(ValidationError):
    """The reader answered, but no card lies on it."""

    code = "no_card"


def check_setting(cfg):
    """Raise ConfigError unless `card_reader` is empty, `simulator` or an http(s) address."""
    value = str(cfg.get("card_reader") or "")
    if value in ("", SIMULATOR) or value.startswith(("http://", "https://")):
        return value
    raise ConfigError(f"card_reader {value!r} 无效 / not a card reader driver",
                      fix="card_reader is empty (none), simulator, or the reader service's http:// address")


def configured(cfg):
    """True when this kiosk has a card reader."""
    return bool(check_setting(cfg))


def simulator_file(cfg):
    """The simulator's card: present while a card 'lies on the reader'."""
    return Path(cfg.data_dir) / "card-reader" / "card.json"


def read(cfg):
    """The card on the reader as {name, id_number, address}; NoCard, Unavailable or ValidationError otherwise."""
    driver = check_setting(cfg)
    if not driver:
        raise Unavailable("这台机器没有身份证读卡器 / this kiosk has no card reader", fix="请手动填写 / type the details")
    if not _busy.acquire(blocking=False):
        raise Unavailable("读卡器正在读卡，请稍等再点 / the reader is busy", fix="wait a moment and tap again")
    try:
        raw = _simulated(cfg) if driver == SIMULATOR else _from_service(driver)
    finally:
        _busy.release()
    return checked(raw)


def _simulated(cfg):
    path = simulator_file(cfg)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return {"status": "no_card"}
    return _parse(data[:MAX_BYTES + 1])


def _from_service(url):
    # requests' timeout is per read: a reader dripping a byte at a time is cut off by DEADLINE overall.
    deadline = time.monotonic() + DEADLINE
    try:
        with requests.get(url, timeout=TIMEOUT, stream=True, allow_redirects=False) as r:
            if r.status_code != 200:
                raise Unavailable(f"读卡器出错了（HTTP {r.status_code}）/ the card reader reported an error",
                                  fix="请手动填写，或请村代办员检查读卡器 / type the details, or ask the clerk")
            data = b""
            for chunk in r.iter_content(4096):
                data += chunk
                if len(data) > MAX_BYTES or time.monotonic() > deadline:
                    break
            if time.monotonic() > deadline and len(data) <= MAX_BYTES:
                raise requests.Timeout("the reader took too long")
    except (requests.RequestException, urllib3.exceptions.HTTPError):
        raise Unavailable("读卡器没有响应 / the card reader does not answer",
                          fix="请手动填写，或请村代办员检查读卡器 / type the details, or ask the clerk to check the reader") from None
    return _parse(data)


def _parse(data):
    if len(data) > MAX_BYTES:
        raise ValidationError("读卡器的回答太长 / the reader's answer is too long", fix="check the reader driver")
    try:
        answer = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):  # deeply nested JSON is not a card either
        raise ValidationError("读卡器的回答看不懂 / the reader's answer is not JSON", fix="check the reader driver") from None
    if not isinstance(answer, dict):
        raise ValidationError("读卡器的回答看不懂 / the reader's answer is not a JSON object", fix="check the reader driver")
    return answer


def checked(answer):
    """The card in a driver's ANSWER ({status, card}), each field checked; raises for anything else."""
    status = answer.get("status")
    if status == "no_card":
        raise NoCard("没有读到身份证 / no card on the reader",
                     fix="请把身份证平放在读卡区，再点一次 / lay the card flat on the reader and tap again")
    if status != "ok" or not isinstance(answer.get("card"), dict):
        raise Unavailable("读卡器出错了 / the card reader reported an error",
                          fix="请手动填写，或请村代办员帮忙 / type the details, or ask the clerk")
    card = answer["card"]
    name = clean_text(card.get("name", "")) if isinstance(card.get("name"), str) else ""
    if not name or len(name) > NAME_MAX or MARKUP_RE.search(name) or any(unicodedata.category(c) in INVISIBLE for c in name):
        raise ValidationError("读卡器读出的姓名不对 / the name read from the card is not usable", fix="请手动填写 / type it")
    id_number = idcard.parse(card.get("id_number", "") if isinstance(card.get("id_number"), str) else "")
    address = card.get("address", "")
    address = clean_text(address) if isinstance(address, str) else ""
    if len(address) > ADDRESS_MAX or MARKUP_RE.search(address) or any(unicodedata.category(c) in INVISIBLE for c in address):
        address = ""  # the name and number are what the form needs; an odd address is left out, not trusted
    return {"name": name, "id_number": id_number, "address": address}


def put_simulated_card(cfg, card):
    """Lay CARD ({name, id_number, address}) on the simulator (the demo and the tests)."""
    path = simulator_file(cfg)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"status": "ok", "card": card}, ensure_ascii=False), encoding="utf-8")


def take_simulated_card(cfg):
    """Take the card off the simulator."""
    simulator_file(cfg).unlink(missing_ok=True)
