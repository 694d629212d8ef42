"""Who answers a live consult: the pure routing facts every tier needs (the hub's machine is county_hub/consult.py)."""
from collections.abc import Iterable
from typing import Any

from ..roles import TOWNSHIP_CASEWORKERS
from .nodes import ancestor_of

STAFF_STATUSES = ("available", "paused")


def target_of(item: dict[str, Any], township: str) -> str:
    """Who should answer about ITEM for a villager of TOWNSHIP: the deciding department or township."""
    if item.get("decide_tier") == "county":
        return f"dept:{item.get('department', '')}"
    return f"township:{township}"


def serves_of(node: str, roles: Iterable[tuple[str, str | None]]) -> frozenset[str]:
    """What a console at NODE whose user holds ROLES [(role, dept)] serves."""
    out = set()
    for role, dept in roles:
        if role == "county_approver":
            out.add(f"dept:{dept}" if dept else "dept:*")
        elif role == "county_reviewer":
            out.add("dept:*")
        elif role in TOWNSHIP_CASEWORKERS:
            out.add(f"township:{node}")
    return frozenset(out)


def hub_of(code: str) -> str:
    """The county hub (the first six digits of any node's division code) that brokers NODE's consults."""
    return ancestor_of(code, "county")
