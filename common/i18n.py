"""UI strings in Simplified Chinese (first) and English, from common/locales/*.json."""
import json
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
