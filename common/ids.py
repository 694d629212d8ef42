"""Identifiers made offline: time-ordered UUIDv7 ids and short tracking codes for receipts.

Tracking code: 9 random characters + 1 check character over a 31-symbol alphabet (no 0/O,
1/I/L). 31 is prime, and the check is a weighted sum mod 31 with weights 2..10 on the data and
1 on the check, so any single wrong character and any swap of two neighbours changes the sum:
a substitution adds (v'-v)·w ≢ 0 and a swap adds (a-b)·(w_i - w_j) = ±(a-b) ≢ 0 (mod 31).
"""
import os
import threading
import secrets
import time

from .errors import ValidationError

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
_VALUE = {c: i for i, c in enumerate(ALPHABET)}
_P = len(ALPHABET)  # 31, prime
DATA_LEN = 9
assert _P == 31


_last = [0]  # the newest id made here with the clock's time (as an int), for monotonic ids
_lock = threading.Lock()


def uuid7(ms=None):
    """A UUIDv7 string: 48-bit Unix milliseconds, then random bits, so ids sort by creation time.

    Ids made with the clock's time (MS None) are also strictly increasing within the process (RFC
    9562 §6.2: one made in the same millisecond as the last is the last plus a random step), so
    "newest first" by id is the order things were made in, even many to a millisecond.
    """
    explicit = ms is not None
    ms = int(time.time() * 1000) if ms is None else int(ms)
    rand = int.from_bytes(os.urandom(10), "big")
    value = (ms & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76  # version
    value |= ((rand >> 62) & 0xFFF) << 64  # rand_a, 12 bits
    value |= 0b10 << 62  # variant
    value |= rand & ((1 << 62) - 1)  # rand_b
    if not explicit:
        with _lock:
            if value <= _last[0] and (_last[0] >> 80) - ms <= 10_000:  # (a clock set back far: start afresh)
                value = _bump(_last[0], rand)
            _last[0] = value
    h = f"{value:032x}"  # formatted by hand: uuid.UUID() costs more than all of the above
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _bump(last, rand):
    """LAST plus a random step of up to 2**32 in its random bits, keeping the version and variant."""
    counter = (((last >> 64) & 0xFFF) << 62) | (last & ((1 << 62) - 1))  # the 74 random bits as one number
    counter += 1 + (rand & 0xFFFFFFFF)
    if counter >> 74:  # they ran out within one millisecond: take the next one
        return ((((last >> 80) + 1) & ((1 << 48) - 1)) << 80) | (0x7 << 76) | (0b10 << 62)
    return ((last >> 80) << 80) | (0x7 << 76) | ((counter >> 62) << 64) | (0b10 << 62) | (counter & ((1 << 62) - 1))


def _check_char(data):
    total = sum((i + 2) * _VALUE[c] for i, c in enumerate(data))
    return ALPHABET[(-total) % _P]


def new_tracking_code():
    """A fresh tracking code, formatted for people as XXXXX-XXXXX."""
    data = "".join(secrets.choice(ALPHABET) for _ in range(DATA_LEN))
    return format_tracking_code(data + _check_char(data))


def format_tracking_code(code):
    """XXXXXXXXXX → XXXXX-XXXXX."""
    return f"{code[:5]}-{code[5:]}"


def normalize_tracking_code(text):
    """Upper-case and drop spaces and dashes."""
    # The alphabet has none of 0/O/1/I/L, so a look-alike is reported as an error rather than
    # silently mapped to a guess.
    return "".join(ch for ch in str(text).upper() if ch not in " -_\t")


def is_valid_tracking_code(text):
    """True when TEXT (any case, dashes optional) is a well-formed code whose check character fits."""
    code = normalize_tracking_code(text)
    if len(code) != DATA_LEN + 1 or any(c not in _VALUE for c in code):
        return False
    return _check_char(code[:DATA_LEN]) == code[DATA_LEN]


def parse_tracking_code(text):
    """The canonical XXXXX-XXXXX form of TEXT, or ValidationError saying what to check."""
    if not is_valid_tracking_code(text):
        raise ValidationError(
            "查询码不正确 / the tracking code is not valid",
            fix="请核对回执上的 10 位查询码（字母和数字，不含 0、O、1、I、L）",
        )
    return format_tracking_code(normalize_tracking_code(text))
