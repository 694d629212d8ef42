"""The network's shape from administrative division codes: 6 digits county, 9 township, 12 village.

A node's subtree is every code that starts with its own; a node's parent is its code one tier up.
These run for every event on every hop, so the pure ones are memoised.
"""
from functools import lru_cache

# The one place the lengths are written: everything else asks tier_of, parent_of or ancestor_of.
COUNTY_LENGTH, TOWNSHIP_LENGTH, VILLAGE_LENGTH = 6, 9, 12
TIER_BY_LENGTH = {COUNTY_LENGTH: "county", TOWNSHIP_LENGTH: "township", VILLAGE_LENGTH: "village"}
LENGTH_OF = {tier: length for length, tier in TIER_BY_LENGTH.items()}
CHILD_LENGTH = {COUNTY_LENGTH: TOWNSHIP_LENGTH, TOWNSHIP_LENGTH: VILLAGE_LENGTH}


@lru_cache(maxsize=4096)
def tier_of(code: str | None) -> str | None:
    """county, township or village for a well-formed node code, else None."""
    code = str(code or "")
    return TIER_BY_LENGTH.get(len(code)) if code.isascii() and code.isdigit() else None


@lru_cache(maxsize=4096)
def parent_of(code: str) -> str | None:
    """The parent node's code (None at the county)."""
    length = {VILLAGE_LENGTH: TOWNSHIP_LENGTH, TOWNSHIP_LENGTH: COUNTY_LENGTH}.get(len(code))
    return code[:length] if length and tier_of(code) else None


def ancestor_of(code: str, tier: str) -> str:
    """The node of TIER whose subtree holds CODE (a village's township, any node's county): CODE cut to
    TIER's length, so CODE itself when it is of TIER or above it."""
    return str(code)[:LENGTH_OF[tier]]


def ancestors(code: str) -> list[str]:
    """CODE and every node above it, itself first."""
    out: list[str] = []
    node: str | None = code
    while node:
        out.append(node)
        node = parent_of(node)
    return out


def in_subtree(code: str, root: str) -> bool:
    """True when CODE is ROOT or below it."""
    return bool(tier_of(code)) and str(code).startswith(str(root))


@lru_cache(maxsize=4096)
def child_toward(code: str, me: str) -> str | None:
    """The child of ME whose subtree holds CODE, or None (CODE is ME, above ME or elsewhere)."""
    length = CHILD_LENGTH.get(len(str(me)))
    if not length or not tier_of(code) or len(code) < length or not code.startswith(me):
        return None
    return code[:length]


def is_child(code: str, me: str) -> bool:
    """True when CODE is a direct child of ME."""
    return tier_of(code) is not None and parent_of(code) == me
