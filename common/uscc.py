"""The unified social credit code (统一社会信用代码, GB 32100-2015) of a company or organisation.

18 characters over 31 symbols (digits and capitals without I, O, S, V, Z): registration authority,
organisation type, 6-digit region, 9-character organisation code, and a check character.
"""
from .errors import ValidationError

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)  # 3^i mod 31
FULL_WIDTH = str.maketrans({chr(0xFF10 + i): str(i) for i in range(10)} |  # as a Chinese input method types them
                           {chr(0xFF21 + i): chr(0x41 + i) for i in range(26)} |
                           {chr(0xFF41 + i): chr(0x41 + i) for i in range(26)})
TYPED_MAX = 40  # what the field takes as typed: 18 characters with the spaces a licence prints between groups


def check_char(first17):
    """The check character of the first 17 characters (GB 32100-2015 §5)."""
    total = sum(ALPHABET.index(c) * w for c, w in zip(first17, WEIGHTS))
    return ALPHABET[(31 - total % 31) % 31]


def parse(text):
    """TEXT as a valid code (upper case, spaces removed), or ValidationError saying what to check."""
    value = "".join(str(text or "")[:TYPED_MAX].split()).translate(FULL_WIDTH).upper()
    fix = "请核对营业执照上的 18 位统一社会信用代码 / check the 18 characters on the business licence"
    if len(value) != 18 or any(c not in ALPHABET for c in value):
        raise ValidationError("统一社会信用代码应为 18 位数字或大写字母（不含 I、O、S、V、Z） / "
                              "the code has 18 digits or capitals (no I, O, S, V, Z)", fix=fix)
    if not value[2:8].isdigit():
        raise ValidationError("统一社会信用代码第 3–8 位应为行政区划代码（数字） / characters 3–8 are a region code",
                              fix=fix)
    if check_char(value[:17]) != value[17]:
        raise ValidationError("统一社会信用代码校验位不对，可能有一位抄错了 / the check character does not match",
                              fix=fix)
    return value
