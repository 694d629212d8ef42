"""The 18-digit resident identity number (GB 11643-1999): check digit, birth date, region; masking."""
from datetime import date

from .errors import ValidationError

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK = "10X98765432"
FULL_WIDTH = str.maketrans("０１２３４５６７８９Ｘｘ", "0123456789XX")
# Province-level codes (GB/T 2260); finer region codes change too often to hard-code.
PROVINCES = {
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
    "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65",
    "71", "81", "82",
}


def check_digit(first17):
    """The check character for 17 digits."""
    return CHECK[sum(int(d) * w for d, w in zip(first17, WEIGHTS)) % 11]


def parse(text, today=None):
    """Validate an ID number; return it normalised (upper-case X) or raise ValidationError."""
    # A Chinese input method may type full-width digits (１２３); they are the same digits. Any other
    # script's digits, superscripts and the like are not ASCII, and are refused.
    value = str(text or "").strip().translate(FULL_WIDTH).upper()
    fix = "请核对身份证上的 18 位号码 / check the 18 characters on the ID card"
    if len(value) != 18 or not value.isascii() or not value[:17].isdigit() \
            or not (value[17].isdigit() or value[17] == "X"):
        raise ValidationError("身份证号码应为 18 位：17 位数字加 1 位数字或 X / must be 18 characters", fix=fix)
    if value[:2] not in PROVINCES:
        raise ValidationError("身份证号码的地区代码不存在 / unknown region code", fix=fix)
    try:
        born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise ValidationError("身份证号码中的出生日期不存在 / the birth date is not a real date", fix=fix) from None
    today = today or date.today()
    if born > today or born.year < 1900:
        raise ValidationError("身份证号码中的出生日期不合理 / the birth date is impossible", fix=fix)
    if check_digit(value[:17]) != value[17]:
        raise ValidationError("身份证号码校验位不对，可能有一位输错了 / the check digit does not match", fix=fix)
    return value


def is_valid(text, today=None):
    """True when `parse` accepts TEXT."""
    try:
        parse(text, today)
        return True
    except ValidationError:
        return False


def birth_date(value):
    """Birth date of a valid ID number."""
    return date(int(value[6:10]), int(value[10:12]), int(value[12:14]))


def mask(value):
    """For display: first 4 and last 4 kept, the rest starred (3713**********123X)."""
    value = str(value or "")
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_phone(phone):
    """138****1234."""
    phone = str(phone or "")
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 8 else "*" * len(phone)


def mask_id(id_number):
    """An ID number with its middle hidden, for what is shown or printed: 110105********002X."""
    text = str(id_number or "")
    return text[:6] + "*" * (len(text) - 10) + text[-4:] if len(text) > 10 else text
