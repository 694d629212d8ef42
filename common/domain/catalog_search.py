"""Finding a service item the way villagers ask for it: by life event, by department, or by words.

Search matches the item's name, code, keywords and department name, and also pinyin: the full
spelling (``shehuibaozhangka``) and the initials (``shbzk``), because on a kiosk keyboard many
people type initials. Pure functions over catalog item dicts; pypinyin supplies the readings.

The readings are worked out once, when a catalog is imported, and travel in each item's
`search_terms` (its name's full pinyin and initials first). pypinyin is imported only where they
are missing: its phrase dictionary costs a node ~45 MB of memory, a third of a kiosk's budget.
"""
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Any


@lru_cache(maxsize=4096)
def readings(text: str) -> tuple[str, str]:
    """(full pinyin, initials) of TEXT, lower case, no spaces; other characters kept as they are."""
    from pypinyin import Style, lazy_pinyin

    full = "".join(lazy_pinyin(text)).lower().replace(" ", "")
    initials = "".join(p[:1] for p in lazy_pinyin(text, style=Style.FIRST_LETTER)).lower().replace(" ", "")
    return full, initials


def life_events(items: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """[{name, count}] of the life events (一件事) the ITEMS belong to, most items first."""
    counts: dict[str, int] = {}
    for it in items:
        for event in it.get("life_events", []):
            counts[event] = counts.get(event, 0) + 1
    return [{"name": n, "count": c} for n, c in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


def in_life_event(items: Iterable[dict[str, Any]], event: str) -> list[dict[str, Any]]:
    """The ITEMS that belong to life EVENT."""
    return [it for it in items if event in it.get("life_events", [])]


def search_terms(item: dict[str, Any], department_name: str = "") -> list[str]:
    """The pinyin readings of ITEM's name (full, initials), then of its keywords and DEPARTMENT_NAME."""
    out = list(readings(item["name"]))
    for word in [*item.get("keywords", []), department_name]:
        if word:
            out.extend(readings(word))
    return out


def with_search_terms(catalog: dict[str, Any]) -> dict[str, Any]:
    """CATALOG (validated) with every item's `search_terms` filled in where missing."""
    names = {d["code"]: d["name"] for d in catalog.get("departments", [])}
    items = [it if it.get("search_terms") else dict(it, search_terms=search_terms(it, names.get(it["department"], "")))
             for it in catalog["items"]]
    return dict(catalog, items=items)


def _name_readings(item: dict[str, Any]) -> tuple[str, str]:
    terms = item.get("search_terms")
    return tuple(terms[:2]) if terms and len(terms) >= 2 else readings(item["name"])


def _haystacks(item: dict[str, Any], departments: Mapping[str, str]) -> list[str]:
    words = [item["name"], item["code"], *item.get("keywords", []), departments.get(item["department"], "")]
    words.extend(item.get("search_terms") or search_terms(item, departments.get(item["department"], "")))
    return [w.lower() for w in words if w]


def search(items: Sequence[dict[str, Any]], query: str | None,
           departments: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
    """ITEMS matching QUERY (every space-separated term must match), best first.

    DEPARTMENTS ({code: name}) lets a department's name match. An item whose name starts with
    the query, or whose initials do, ranks above one that merely contains it.
    """
    terms = [t for t in str(query or "").lower().split() if t]
    if not terms:
        return list(items)
    departments = departments or {}
    scored: list[tuple[int, float, str, dict[str, Any]]] = []  # (rank, -share of words found, code, item)
    for it in items:
        hay = _haystacks(it, departments)
        if all(any(t in h for h in hay) for t in terms):
            name_full, name_initials = _name_readings(it)
            first = terms[0]
            rank = 0 if (it["name"].startswith(first) or name_initials.startswith(first)
                         or name_full.startswith(first) or it["code"].lower() == first) else 1
            scored.append((rank, 0, it["code"], it))
    if not scored:  # how people talk: "看病报销" for 医疗费用零星报销 — match by the words inside
        for it in items:
            hay = _haystacks(it, departments)
            parts = [_parts_found(t, hay) for t in terms]
            if all(found for found, _ in parts):
                scored.append((2, -sum(found / total for found, total in parts), it["code"], it))
    return [it for _, _, _, it in sorted(scored, key=lambda s: s[:3])]


def _parts_found(term: str, hay: list[str]) -> tuple[int, int]:
    """(how many of TERM's two-character words some haystack holds, how many it has): Chinese only,
    and only a term of three or more characters (a two-character one either matches or not)."""
    if len(term) < 3 or not all("\u3400" <= c <= "\u9fff" for c in term):
        return 0, 1
    parts = {term[k:k + 2] for k in range(len(term) - 1)} - _FILLER
    found = sum(1 for p in parts if any(p in h for h in hay))
    return (found if found * 2 >= len(parts) else 0), max(1, len(parts))


# Two-character words too common to say what someone wants ("我要办", "怎么申请").
_FILLER = {"我要", "要办", "怎么", "么办", "申请", "办理", "一下", "想办", "请问", "如何", "哪里", "在哪"}
