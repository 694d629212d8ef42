"""JSON text for what is stored in SQLite columns (event payloads, projections, catalog docs).

orjson, because every event is serialised at each hop of the sync path and the stdlib encoder
was the largest single cost there. Output is compact UTF-8 text (non-ASCII kept, like
``ensure_ascii=False``), stored as TEXT so SQLite's json functions read it.
"""
import orjson


def dumps(value):
    """VALUE as compact JSON text."""
    return orjson.dumps(value).decode("utf-8")


def loads(text):
    """The value of JSON TEXT (str or bytes)."""
    return orjson.loads(text)
