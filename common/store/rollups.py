"""Monthly sums of the facts (issue 18): what a long period's figures add up, kept by delta.

`app_rollup` holds, per grouping (department, township, village or item) × month × key, how many
were received, accepted and decided in that month (with on time, early and working days of the
decided); `app_rating_rollup` the ratings given, per grouping (those four, office, staff) × month ×
key. One grouping's ten years are ~120 months × its keys (60 villages: ~22,000 rows), however many
applications there were. `apply` adds
the difference between an application's old and new facts in the same transaction as they are
written, so the sums are exact at every commit. A period's whole months are read from here and
the days at either end from the facts (common.store.facts), so ten years cost ~120 rows a key.
"""
import sqlite3
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from ..domain.facts import GROUPS, RATING_GROUPS

_ROLLUP = ("INSERT INTO app_rollup (grp, month, kind, key, n, on_time, early, days) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
           " ON CONFLICT(grp, month, kind, key) DO UPDATE SET n = n + excluded.n, on_time = on_time + excluded.on_time,"
           " early = early + excluded.early, days = days + excluded.days")
_RATINGS = ("INSERT INTO app_rating_rollup (grp, month, key, n, satisfied) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT(grp, month, key) DO UPDATE SET n = n + excluded.n, satisfied = satisfied + excluded.satisfied")


def _fact_parts(f: dict[str, Any], sign: int, out: dict[tuple[str, str, str, str], list[int]]) -> None:
    for kind, day in (("received", f["submitted_on"]), ("accepted", f["accepted_on"]), ("decided", f["decided_on"])):
        if not day:
            continue
        for grp in GROUPS:
            acc = out.setdefault((grp, day[:7], kind, f[grp]), [0, 0, 0, 0])
            acc[0] += sign
            if kind == "decided":
                acc[1] += sign * (f["on_time"] or 0)
                acc[2] += sign * (f["early"] or 0)
                acc[3] += sign * (f["working_days"] or 0)


def _rating_parts(r: dict[str, Any], sign: int, out: dict[tuple[str, str, str], list[int]]) -> None:
    for grp in GROUPS + RATING_GROUPS:
        acc = out.setdefault((grp, r["on"][:7], r[grp]), [0, 0])
        acc[0] += sign
        acc[1] += sign * r["satisfied"]


def old_of(conn: sqlite3.Connection, ids: Sequence[str]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(facts rows, rating rows) stored now for application IDS, as dicts (before they are written again)."""
    facts, ratings = [], []
    for k in range(0, len(ids), 500):
        chunk = ids[k:k + 500]
        marks = ", ".join("?" * len(chunk))
        facts += [dict(r) for r in conn.execute(f"SELECT * FROM app_facts WHERE app_id IN ({marks})", chunk)]
        ratings += [dict(r, on=r["on_day"]) for r in conn.execute(
            f"SELECT * FROM app_ratings WHERE app_id IN ({marks})", chunk)]
    return facts, ratings


def apply(conn: sqlite3.Connection, old: tuple[list[dict[str, Any]], list[dict[str, Any]]],
          new: tuple[list[dict[str, Any]], list[dict[str, Any]]]) -> None:
    """Add NEW (facts rows, rating rows) to the monthly sums and take OLD out (each a pair of lists of dicts)."""
    sums: dict[tuple[str, str, str, str], list[int]] = {}
    rated: dict[tuple[str, str, str], list[int]] = {}
    for sign, (facts, ratings) in ((-1, old), (1, new)):
        for f in facts:
            _fact_parts(f, sign, sums)
        for r in ratings:
            _rating_parts(r, sign, rated)
    conn.executemany(_ROLLUP, [(*k, *v) for k, v in sums.items() if any(v)])
    conn.executemany(_RATINGS, [(*k, *v) for k, v in rated.items() if any(v)])


def split(start: date, end: date) -> tuple[str | None, str | None, list[tuple[date, date]]]:
    """(first month, last month, [(start, end) of the days outside them]) of the whole months in [START, END];
    months None when there is no whole month in it."""
    first = start if start.day == 1 else _next_month(start)
    last_end = _next_month(end) - timedelta(days=1)
    last = end.replace(day=1) if end == last_end else end.replace(day=1) - timedelta(days=1)
    last = last.replace(day=1)
    if first > last:
        return None, None, [(start, end)]
    edges = []
    if start < first:
        edges.append((start, first - timedelta(days=1)))
    after = _next_month(last)
    if after <= end:
        edges.append((after, end))
    return first.strftime("%Y-%m"), last.strftime("%Y-%m"), edges


def _next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def month_day(month: str) -> date:
    """The first day of MONTH ('YYYY-MM')."""
    return date(int(month[:4]), int(month[5:7]), 1)
