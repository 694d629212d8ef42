"""What an audit record's action code means, in plain words for the audit page.

Pure. The codes are written by `audit.record(...)` across the code; each has a label in the locale
files under "audit.act.<code>". A code without one (an older release's, a new one not yet
labelled) still reads as words, never as a crash: its group's name and the rest of the code.
"""
from .i18n import messages, translate

PREFIX = "audit.act."


def label(code, lang="zh"):
    """The plain label of the audit action CODE in LANG (Chinese first; English when asked)."""
    code = str(code or "")
    key = PREFIX + code
    if key in messages(lang) or key in messages("zh"):
        return translate(key, lang)
    group, _, rest = code.partition(".")
    group_key = f"audit.group.{group}"
    if rest and (group_key in messages(lang) or group_key in messages("zh")):
        return translate("audit.unlabelled", lang, group=translate(group_key, lang), what=_words(rest))
    return _words(code) or code


def _words(code):
    return code.replace("_", " ").replace(".", " ").strip()
