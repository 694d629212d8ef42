"""What the kiosk and the clerk's console say about an application, in the request's language.

The sentences are chosen in common/domain/wording.py (pure); this fills them in: the office's
words, the department's name in the catalog's language, the step names.
"""
from common import i18n
from common.domain import timeline, wording
from common.store import applications, catalog, outbox
from common.web.context import lang


def _names(conn, language):
    return {d["code"]: (d["name_en"] or d["name"]) if language == "en" else d["name"] for d in catalog.departments(conn)}


def _fill(key, values, language):
    values = dict(values)
    office_key = values.pop("office_key", None)
    if office_key:
        values["office"] = i18n.translate(office_key, language, name=values.get("name", ""))
    return i18n.translate(key, language, **values)


def sentences(conn, doc, language=None):
    """(where DOC stands now, [timeline steps, each with its `text`]) in LANGUAGE (default: the request's)."""
    language = language or lang()
    names = _names(conn, language)
    dept_name = names.get
    now = _fill(*wording.now(doc, lambda code: dept_name(code, "")), language)
    events = applications.events(conn, doc["id"])
    waiting = outbox.unacknowledged(conn, outbox.UP, [e["id"] for e in events])
    steps = [dict(st, text=_fill(*wording.step(doc, st, lambda code: dept_name(code, "")), language))
             for st in timeline.steps(events, waiting)]
    return now, steps


def promise_text(item, language=None):
    """An item's time limit as one phrase: 当场办结, within N working days, or an answer within N days."""
    return _fill(*wording.promise(item), language or lang())
