"""The network's shape from administrative division codes: 6 digits county, 9 township, 12 village.

A node's subtree is every code that starts with its own; a node's parent is its code one tier up.
These run for every event on every hop, so the pure ones are memoised.
"""
from functools import lru_cache

TIER_BY_LENGTH = {6: "county", 9: "township", 12: "village"}
CHILD_LENGTH = {6: 9, 9: 12}


@lru_cache(maxsize=4096)
def tier_of(code):
    """county, township or village for a well-formed node code, else None."""
    code = str(code or "")
    return TIER_BY_LENGTH.get(len(code)) if code.isascii() and code.isdigit() else None


@lru_cache(maxsize=4096)
def parent_of(code):
    """The parent node's code (None at the county)."""
    return {12: code[:9], 9: code[:6]}.get(len(code)) if tier_of(code) else None


def ancestors(code):
    """CODE and every node above it, itself first."""
    out = []
    while code:
        out.append(code)
        code = parent_of(code)
    return out


def in_subtree(code, root):
    """True when CODE is ROOT or below it."""
    return bool(tier_of(code)) and str(code).startswith(str(root))


@lru_cache(maxsize=4096)
def child_toward(code, me):
    """The child of ME whose subtree holds CODE, or None (CODE is ME, above ME or elsewhere)."""
    length = CHILD_LENGTH.get(len(str(me)))
    if not length or not tier_of(code) or len(code) < length or not code.startswith(me):
        return None
    return code[:length]


def is_child(code, me):
    """True when CODE is a direct child of ME."""
    return tier_of(code) is not None and parent_of(code) == me
