from datetime import date

import pytest

from common import idcard
from common.errors import ValidationError

VALID = "11010519491231002X"  # the standard's own worked example


def make(first17):
    return first17 + idcard.check_digit(first17)


def test_valid_number_and_lowercase_x():
    assert idcard.parse(VALID) == VALID
    assert idcard.parse(VALID.lower()) == VALID
    assert idcard.parse("  " + VALID + " ") == VALID
    assert idcard.birth_date(VALID) == date(1949, 12, 31)


def test_bad_check_digit():
    wrong = VALID[:17] + "1"
    with pytest.raises(ValidationError, match="校验位"):
        idcard.parse(wrong)


@pytest.mark.parametrize("i", range(17))
def test_any_single_digit_typo_is_caught(i):
    digit = int(VALID[i])
    typo = VALID[:i] + str((digit + 1) % 10) + VALID[i + 1:]
    assert not idcard.is_valid(typo)


@pytest.mark.parametrize("birth", ["19490230", "19491301", "19490000"])
def test_bad_birth_date(birth):
    with pytest.raises(ValidationError, match="出生日期"):
        idcard.parse(make("110105" + birth + "002"))


def test_future_birth_date_and_region():
    with pytest.raises(ValidationError, match="出生日期"):
        idcard.parse(make("110105" + "20990101" + "002"), today=date(2026, 1, 1))
    with pytest.raises(ValidationError, match="地区"):
        idcard.parse(make("990105" + "19491231" + "002"))


@pytest.mark.parametrize("text", ["", "123", "11010519491231002Y", "1101051949123100X2", None])
def test_malformed(text):
    assert not idcard.is_valid(text)


def test_masking():
    assert idcard.mask(VALID) == "1101**********002X"
    assert idcard.mask_phone("13812345678") == "138****5678"


def test_digits_are_ascii_full_width_become_ascii_and_others_are_refused():
    import pytest
    from common import idcard
    from common.errors import ValidationError
    good = "11010519491231002X"
    assert idcard.parse("１１０１０５１９４９１２３１００２Ｘ") == good
    for bad in ("371399195001011²3X", "١١٠١٠٥١٩٤٩١٢٣١٠٠٢X", "11010519491231002X\u200b"[:-1] + "\u0662"):
        with pytest.raises(ValidationError):
            idcard.parse(bad)
