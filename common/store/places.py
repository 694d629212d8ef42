"""SQL for the names of the network's places (县、乡镇、村) this node has been told, by division code.

A node's own name is in meta (`name`, set at `sanji init`); the others arrive on the sync links
(sync.endpoint, sync.parent, sync.child) and are kept here, so a screen can show 东岭村 with its
code 371399101001 on hover instead of the bare code.
"""
import sqlite3
import unicodedata
from collections.abc import Iterable
from datetime import datetime, timezone
from typing import Any

from ..domain.nodes import tier_of
from ..domain.submission import INVISIBLE
from . import meta

NAME_MAX = 60  # a place's name as shown; a longer one is cut


def names(conn: sqlite3.Connection) -> dict[str, str]:
    """{code: name} of every place this node knows, its own included."""
    out = {r["code"]: r["name"] for r in conn.execute("SELECT code, name FROM place_names")}
    me, mine = meta.get(conn, "node_code"), meta.get(conn, "name")
    if me and mine:
        out[me] = mine
    return out


def of_subtree(conn: sqlite3.Connection, root: str) -> dict[str, str]:
    """{code: name} of ROOT (this node's code) and of the places below it that it knows."""
    return {c: n for c, n in names(conn).items() if c.startswith(root)}


def of_ancestry(conn: sqlite3.Connection, me: str) -> dict[str, str]:
    """{code: name} of ME and of the places above it (what a node tells its children)."""
    return {c: n for c, n in names(conn).items() if me.startswith(c)}


def visible(name: str) -> str:
    """NAME with control, format (bidi overrides, zero-width marks) and unassigned characters taken out,
    its spaces folded, cut to NAME_MAX: what every screen shows of a place's name."""
    kept = "".join(c for c in " ".join(name.split()) if unicodedata.category(c) not in INVISIBLE)  # a newline is a space
    return " ".join(kept.split())[:NAME_MAX]


def clean(told: dict[Any, Any] | None) -> list[tuple[str, str]]:
    """The well-formed (code, name) pairs of TOLD, a map a peer sent: division codes, names as visible
    text, cut; a name with nothing visible left is dropped (the place keeps showing its code)."""
    out = []
    for code, name in list((told or {}).items())[:2000]:
        if isinstance(code, str) and tier_of(code) and isinstance(name, str) and visible(name):
            out.append((code, visible(name)))
    return out


def learn(conn: sqlite3.Connection, pairs: Iterable[tuple[str, str]], told_by: str) -> None:
    """Keep the names PAIRS [(code, name)] as told by node TOLD_BY (only what changed is written)."""
    me = meta.get(conn, "node_code")
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    conn.executemany("INSERT INTO place_names (code, name, told_by, told_at) VALUES (?, ?, ?, ?)"
                     " ON CONFLICT(code) DO UPDATE SET name = excluded.name, told_by = excluded.told_by,"
                     " told_at = excluded.told_at WHERE place_names.name != excluded.name",
                     [(code, name, told_by, now) for code, name in pairs if code != me])
