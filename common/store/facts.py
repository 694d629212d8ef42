"""SQL for the county's figures: one narrow facts row per application and one per rating (issue 18).

Written with the projection (`applications._flush` calls `save` in the same transaction), and
again for the applications a calendar change can move (`refresh_for_days`). Every figure of the
dashboard is a sum over an index range of these rows, so a year of a large county (120,000
applications) is read from a few megabytes of index, not by parsing 120,000 JSON documents.
"""
import sqlite3
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from ..domain import facts as model
from ..domain.record import Doc
from ..domain.states import WORKING
from ..workcal import WorkCalendar
from . import item_snapshots, rollups

FACT_COLUMNS = ("app_id", "department", "township", "village", "item", "case_type", "state", "submitted_on",
                "accepted_on", "decided_on", "outcome", "due_on", "on_time", "early", "working_days")
RATING_COLUMNS = ("app_id", "n", "on", "level", "satisfied", "office", "staff", "department", "township", "village",
                  "item")
_UPSERT = (f"INSERT INTO app_facts ({', '.join(FACT_COLUMNS)}) VALUES ({', '.join('?' * len(FACT_COLUMNS))})"
           f" ON CONFLICT(app_id) DO UPDATE SET {', '.join(f'{c} = excluded.{c}' for c in FACT_COLUMNS[1:])}")
_RATING = (f"INSERT INTO app_ratings ({', '.join(c if c != 'on' else 'on_day' for c in RATING_COLUMNS)})"
           f" VALUES ({', '.join('?' * len(RATING_COLUMNS))})")


def save(conn: sqlite3.Connection, docs: Sequence[Doc], cal: WorkCalendar | None) -> None:
    """Write the facts and ratings of DOCS (projections with their deadline from calendar CAL), and the
    difference they make to the monthly sums."""
    rows: list[tuple[Any, ...]] = []
    ratings: list[tuple[Any, ...]] = []
    ids: list[tuple[str]] = []
    new_facts: list[dict[str, Any]] = []
    new_ratings: list[dict[str, Any]] = []
    for doc in docs:
        f = model.facts_of(doc, cal)
        new_facts.append(f)
        rows.append(tuple(f[c] for c in FACT_COLUMNS))
        ids.append((doc["id"],))
        given = model.ratings_of(doc)
        new_ratings += given
        ratings.extend(tuple(r[c] for c in RATING_COLUMNS) for r in given)
    rollups.apply(conn, rollups.old_of(conn, [i for (i,) in ids]), (new_facts, new_ratings))
    awaiting = [(doc["id"], dept, doc.get("due_on")) for doc in docs if doc["state"] in WORKING
                for dept in dict.fromkeys(model.awaiting(doc))]
    conn.executemany(_UPSERT, rows)
    conn.executemany("DELETE FROM app_ratings WHERE app_id = ?", ids)
    conn.executemany(_RATING, ratings)
    conn.executemany("DELETE FROM app_awaiting WHERE app_id = ?", ids)
    conn.executemany("INSERT INTO app_awaiting (app_id, department, due_on) VALUES (?, ?, ?)", awaiting)


def affected_by(conn: sqlite3.Connection, first: date, last: date) -> list[str]:
    """Ids of applications whose deadline or working days a calendar change between FIRST and LAST can move:
    accepted by LAST and not decided before FIRST."""
    return [r[0] for r in conn.execute(
        "SELECT app_id FROM app_facts WHERE accepted_on <= ? AND COALESCE(decided_on, '9999-12-31') >= ?",
        (last.isoformat(), first.isoformat()))]


def _group_sql(group: str) -> str:
    if group not in model.GROUPS:
        raise ValueError(f"group must be one of {model.GROUPS}")
    return group  # a column name from the fixed list, never the caller's text


def figures(conn: sqlite3.Connection, start: date, end: date, group: str,
            every_key: bool = True) -> dict[str, dict[str, Any]]:
    """{key: {received, accepted, completed, on_time, early, rated, satisfied, bad, _days}} over [START, END].

    Whole months come from the monthly sums, the days at either end from the facts. A key appears
    as the reference recomputation lists it: for any application submitted by END that was not
    decided before START (or was rated since START), even with nothing to count. Without
    EVERY_KEY only keys with something counted appear (enough for totals, and a past period's
    "decided after it" is every later case: not read for nothing).
    """
    g, e = _group_sql(group), end.isoformat()
    rows: dict[str, dict[str, Any]] = {}

    def row(key: str) -> dict[str, Any]:
        return rows.setdefault(key, {"key": key, "received": 0, "accepted": 0, "completed": 0, "on_time": 0,
                                     "early": 0, "rated": 0, "satisfied": 0, "bad": 0, "_days": 0})
    first, last, edges = rollups.split(start, end)
    if first:
        for key, kind, n, on_time, early, days in conn.execute(
                "SELECT key, kind, SUM(n), SUM(on_time), SUM(early), SUM(days) FROM app_rollup WHERE grp = ?"
                " AND month BETWEEN ? AND ? AND key != '' GROUP BY key, kind HAVING SUM(n) != 0", (g, first, last)):
            r = row(key)
            if kind == "decided":
                r["completed"] += n
                r["on_time"] += on_time
                r["early"] += early
                r["_days"] += days
            else:
                r[kind] += n
        for key, n, satisfied in conn.execute(
                "SELECT key, SUM(n), SUM(satisfied) FROM app_rating_rollup WHERE grp = ? AND month BETWEEN ? AND ?"
                " AND key != '' GROUP BY key HAVING SUM(n) != 0", (g, first, last)):
            row(key).update(rated=row(key)["rated"] + n, satisfied=row(key)["satisfied"] + satisfied)
    for a, b in edges:
        _add_days(conn, g, a.isoformat(), b.isoformat(), row)
    for r in rows.values():
        r["bad"] = r["rated"] - r["satisfied"]
    if not every_key:
        return rows
    # The rest of the groups the reference lists: open in the period, with nothing counted in it —
    # submitted by END and undecided, or decided or rated after END (those decided or rated in the
    # period are keys already). Small index ranges, however long the period.
    for (key,) in conn.execute(
            f"SELECT {g} FROM app_facts WHERE decided_on IS NULL AND submitted_on <= ? AND {g} != ''"
            f" UNION SELECT {g} FROM app_facts WHERE decided_on > ? AND submitted_on <= ? AND {g} != ''", (e, e, e)):
        row(key)
    for (key,) in conn.execute(
            f"SELECT DISTINCT f.{g} FROM app_ratings r JOIN app_facts f ON f.app_id = r.app_id"
            f" WHERE r.on_day > ? AND f.submitted_on <= ? AND f.{g} != ''", (e, e)):
        row(key)
    return rows


def _add_days(conn: sqlite3.Connection, g: str, s: str, e: str, row: Callable[[str], dict[str, Any]]) -> None:
    # The counts of days S..E (ISO dates) from the facts, added to each key's ROW.
    for key, n in conn.execute(f"SELECT {g}, COUNT(*) FROM app_facts WHERE submitted_on BETWEEN ? AND ?"
                               f" AND {g} != '' GROUP BY {g}", (s, e)):
        row(key)["received"] += n
    for key, n in conn.execute(f"SELECT {g}, COUNT(*) FROM app_facts WHERE accepted_on BETWEEN ? AND ?"
                               f" AND {g} != '' GROUP BY {g}", (s, e)):
        row(key)["accepted"] += n
    for key, n, on_time, early, days in conn.execute(
            f"SELECT {g}, COUNT(*), SUM(on_time), SUM(early), COALESCE(SUM(working_days), 0) FROM app_facts"
            f" WHERE decided_on BETWEEN ? AND ? AND {g} != '' GROUP BY {g}", (s, e)):
        r = row(key)
        r.update(completed=r["completed"] + n, on_time=r["on_time"] + on_time, early=r["early"] + early,
                 _days=r["_days"] + days)
    for key, n, satisfied in conn.execute(
            f"SELECT {g}, COUNT(*), SUM(satisfied) FROM app_ratings WHERE on_day BETWEEN ? AND ? AND {g} != ''"
            f" GROUP BY {g}", (s, e)):
        r = row(key)
        r.update(rated=r["rated"] + n, satisfied=r["satisfied"] + satisfied)


def rating_figures(conn: sqlite3.Connection, start: date, end: date, by: str) -> dict[str, dict[str, Any]]:
    """{key: {rated, satisfied, bad}} of the ratings given in [START, END], BY office or staff."""
    if by not in model.RATING_GROUPS:
        raise ValueError(f"by must be one of {model.RATING_GROUPS}")
    out: dict[str, dict[str, Any]] = {}
    first, last, edges = rollups.split(start, end)
    parts: list[tuple[str, tuple[Any, ...]]] = [
        ("SELECT key, SUM(n), SUM(satisfied) FROM app_rating_rollup WHERE grp = ? AND month BETWEEN ? AND ?"
         " AND key != '' GROUP BY key HAVING SUM(n) != 0", (by, first, last))] if first else []
    parts += [(f"SELECT {by}, COUNT(*), SUM(satisfied) FROM app_ratings WHERE on_day BETWEEN ? AND ? AND {by} != ''"
               f" GROUP BY {by}", (a.isoformat(), b.isoformat())) for a, b in edges]
    for sql, args in parts:
        for key, n, sat in conn.execute(sql, args):
            r = out.setdefault(key, {"key": key, "rated": 0, "satisfied": 0, "bad": 0})
            r["rated"] += n
            r["satisfied"] += sat
    for r in out.values():
        r["bad"] = r["rated"] - r["satisfied"]
    return out


def daily(conn: sqlite3.Connection, start: date, end: date, by_month: bool = False
          ) -> tuple[list[tuple[date, int]], list[tuple[date, int, int]]]:
    """([(day, received)], [(day, completed, on_time)]) of [START, END] (days with none left out).

    BY_MONTH (a trend in months): whole months as one entry on their first day, from the sums.
    """
    received, completed = [], []
    ranges = [(start, end)]
    if by_month:
        first, last, ranges = rollups.split(start, end)
        if first:
            for month, kind, n, on_time in conn.execute(
                    "SELECT month, kind, SUM(n), SUM(on_time) FROM app_rollup WHERE grp = 'item' AND month BETWEEN ? AND ?"
                    " AND kind IN ('received', 'decided') GROUP BY month, kind HAVING SUM(n) != 0", (first, last)):
                if kind == "received":
                    received.append((rollups.month_day(month), n))
                else:
                    completed.append((rollups.month_day(month), n, on_time))
    for a, b in ranges:
        s, e = a.isoformat(), b.isoformat()
        received += [(date.fromisoformat(d), n) for d, n in conn.execute(
            "SELECT submitted_on, COUNT(*) FROM app_facts WHERE submitted_on BETWEEN ? AND ? GROUP BY submitted_on",
            (s, e))]
        completed += [(date.fromisoformat(d), n, t) for d, n, t in conn.execute(
            "SELECT decided_on, COUNT(*), SUM(on_time) FROM app_facts WHERE decided_on BETWEEN ? AND ?"
            " GROUP BY decided_on", (s, e))]
    return received, completed


def voice(conn: sqlite3.Connection, start: date, end: date, today: date) -> dict[str, int]:
    """The complaint figures' counts (see common.domain.stats.voice_figures) from the facts."""
    s, e = start.isoformat(), end.isoformat()
    received, replied = conn.execute(
        "SELECT COUNT(*), COALESCE(SUM(outcome = 'approved'), 0) FROM app_facts WHERE case_type = 'voice'"
        " AND submitted_on BETWEEN ? AND ?", (s, e)).fetchone()
    answered, on_time = conn.execute(
        "SELECT COUNT(*), COALESCE(SUM(on_time), 0) FROM app_facts WHERE case_type = 'voice' AND outcome = 'approved'"
        " AND decided_on BETWEEN ? AND ?", (s, e)).fetchone()
    open_, overdue = conn.execute(
        "SELECT COUNT(*), COALESCE(SUM(due_on IS NOT NULL AND due_on < ?), 0) FROM app_facts"
        " WHERE case_type = 'voice' AND decided_on IS NULL AND state != 'withdrawn'", (today.isoformat(),)).fetchone()
    return {"received": received, "replied_of_received": replied, "answered": answered,
            "answered_on_time": on_time, "open": open_, "overdue": overdue}


def backfill(conn: sqlite3.Connection, cal: WorkCalendar, batch: int = 5000) -> None:
    """Write the facts of every application held (the migration that adds the tables; a rebuild)."""
    last = ""
    while True:
        found = conn.execute("SELECT id, doc FROM applications WHERE id > ? ORDER BY id LIMIT ?",
                             (last, batch)).fetchall()
        if not found:
            return
        save(conn, [item_snapshots.doc_of(conn, r[1]) for r in found], cal)
        last = found[-1][0]
