"""UI strings in Simplified Chinese (first) and English, from common/locales/*.json."""
import json
import re
from functools import lru_cache
from pathlib import Path

LANGUAGES = ("zh", "en")
_DIR = Path(__file__).parent / "locales"


@lru_cache(maxsize=None)
def messages(lang):
    """The message table of LANG."""
    return json.loads((_DIR / f"{lang}.json").read_text(encoding="utf-8"))


def translate(key, lang="zh", **values):
    """The text for KEY in LANG (falling back to Chinese, then the key), formatted with VALUES."""
    text = messages(lang).get(key) or messages("zh").get(key) or key
    return text.format(**values) if values else text


_CJK = re.compile(r"[\u3400-\u9fff]")
_LATIN = re.compile(r"[A-Za-z]")
_SPLIT = re.compile(r" ?/ ")  # "中文 / English", also after full-width punctuation: "（…）/ English"
# What a villager must never be told to do: run a command, hold a role (their fix is the clerk).
_FOR_STAFF = re.compile(r"`|\bsanji\b|\b[a-z]+_[a-z_]+\b|\bneeds one of\b|https?://|/api/|"
                        r"\b(GET|POST|PUT|PATCH|DELETE|OPTIONS|HEAD)\b")


def local(entry, key, lang):
    """ENTRY[KEY] in LANG: its KEY_en in English when the catalog gives one, else the Chinese (never a code)."""
    if not isinstance(entry, dict):
        return ""
    return (lang == "en" and entry.get(f"{key}_en")) or entry.get(key) or ""


def pick(text, lang):
    """The LANG part of a bilingual message written "中文 / English" (how errors are written, so that
    logs and API clients read both); TEXT itself when it is not one."""
    found = _SPLIT.search(text) if isinstance(text, str) else None
    if found is None:
        return text
    zh, en = text[:found.start()], text[found.end():]
    if not _CJK.search(zh) or _CJK.search(en) or not _LATIN.search(en):
        return text
    return zh.strip() if lang == "zh" else en.strip()


def for_villager(text, lang):
    """TEXT (a fix or a message) as a villager at the kiosk may read it, in LANG only; None when it
    is meant for staff (a command, a role code, an address) or is not in LANG at all."""
    if not text:
        return None
    text = pick(str(text), lang)
    if _FOR_STAFF.search(text):
        return None
    if lang == "zh" and not _CJK.search(text):
        return None
    if lang == "en" and _CJK.search(text):
        return None
    return text


def with_fix(exc, lang):
    """An error's message and its fix as one line in LANG ("…：…"), each bilingual part picked apart
    (joined first, "中文 / English：中文 / English" would be neither)."""
    message, fix = pick(exc.message, lang), pick(getattr(exc, "fix", None) or "", lang)
    if fix and bool(_CJK.search(fix)) != (lang == "zh"):  # a fix written in one language only: not this one
        fix = ""
    return f"{message}：{fix}" if fix else message
