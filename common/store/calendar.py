"""SQL for the working-day calendar: seeded holiday data, administrator edits, published years."""
import sqlite3
from datetime import date
from typing import Any

from ..workcal import WorkCalendar
from .db import transaction, tx_cache
from . import meta


def seed_from_package(conn: sqlite3.Connection) -> list[int]:
    """Load every year the chinese-calendar package knows; administrator edits are kept.

    Only exceptions to Monday–Friday are stored: weekday holidays and weekend make-up workdays.
    Returns the years seeded.
    """
    import chinese_calendar

    years = sorted({d.year for d in chinese_calendar.holidays} | {d.year for d in chinese_calendar.workdays})
    with transaction(conn):
        for day, name in chinese_calendar.holidays.items():
            if day.weekday() < 5:
                _upsert_seed(conn, day, "holiday", chinese_name(name))
        for day, name in chinese_calendar.workdays.items():
            if day.weekday() >= 5:
                _upsert_seed(conn, day, "workday", chinese_name(name))
        for year in years:
            conn.execute("INSERT INTO calendar_years (year, published) VALUES (?, 1)"
                         " ON CONFLICT(year) DO UPDATE SET published = 1", (year,))
        _bump(conn)
    return years


def chinese_name(name: str | None) -> str:
    """The Chinese name of a holiday chinese-calendar names in English (春节 for 'Spring Festival'); others as they are."""
    from chinese_calendar.constants import Holiday
    names = {h.value: h.chinese for h in Holiday}
    return names.get(str(name or ""), str(name or ""))


def _upsert_seed(conn: sqlite3.Connection, day: date, kind: str, name: str) -> None:
    conn.execute(
        "INSERT INTO calendar_days (day, kind, name, source) VALUES (?, ?, ?, 'seed')"
        " ON CONFLICT(day) DO UPDATE SET kind = excluded.kind, name = excluded.name"
        " WHERE calendar_days.source = 'seed'",
        (day.isoformat(), kind, name))


def set_day(conn: sqlite3.Connection, day: date, kind: str, name: str = "", refresh: bool = True) -> None:
    """Administrator edit: make DAY a holiday or a workday, whatever the seed said.

    Not REFRESH: the caller calls `refresh_deadlines` for DAY once its own transaction has committed.
    """
    with transaction(conn):
        conn.execute(
            "INSERT INTO calendar_days (day, kind, name, source) VALUES (?, ?, ?, 'admin')"
            " ON CONFLICT(day) DO UPDATE SET kind = excluded.kind, name = excluded.name, source = 'admin'",
            (day.isoformat(), kind, name))
        _bump(conn)
    if refresh:
        _moved(conn, day, day)


def clear_day(conn: sqlite3.Connection, day: date, refresh: bool = True) -> None:
    """Drop any exception for DAY, so the Monday–Friday rule applies again (REFRESH: as `set_day`)."""
    with transaction(conn):
        conn.execute("DELETE FROM calendar_days WHERE day = ?", (day.isoformat(),))
        _bump(conn)
    if refresh:
        _moved(conn, day, day)


def set_published(conn: sqlite3.Connection, year: int, published: bool = True, refresh: bool = True) -> None:
    """Mark YEAR's schedule as published (not provisional) or not (REFRESH: as `set_day`)."""
    with transaction(conn):
        conn.execute("INSERT INTO calendar_years (year, published) VALUES (?, ?)"
                     " ON CONFLICT(year) DO UPDATE SET published = excluded.published", (year, int(published)))
        _bump(conn)
    if refresh:
        _moved(conn, date(year, 1, 1), date(year, 12, 31))


def _bump(conn: sqlite3.Connection) -> None:
    meta.put(conn, "calendar_version", str(int(meta.get(conn, "calendar_version", "0")) + 1))
    _forget(conn)


def _forget(conn: sqlite3.Connection) -> None:
    # The transaction's cached calendar is the old one now: deadlines written after this in the
    # same transaction (a sync batch that brings the county's calendar) must use the new one.
    if conn.in_transaction:
        tx_cache(conn).pop("calendar", None)


def version(conn: sqlite3.Connection) -> int:
    """The calendar's version number; it grows with every change."""
    return int(meta.get(conn, "calendar_version", "0"))


def load(conn: sqlite3.Connection) -> WorkCalendar:
    """The node's WorkCalendar."""
    exceptions = {date.fromisoformat(r["day"]): r["kind"] for r in conn.execute("SELECT day, kind FROM calendar_days")}
    published = [r["year"] for r in conn.execute("SELECT year FROM calendar_years WHERE published = 1")]
    return WorkCalendar(exceptions, published)


def days_of_year(conn: sqlite3.Connection, year: int) -> list[sqlite3.Row]:
    """Rows (day, kind, name, source) of YEAR's exceptions, in date order."""
    return conn.execute("SELECT day, kind, name, source FROM calendar_days WHERE day LIKE ? ORDER BY day",
                        (f"{year:04d}-%",)).fetchall()


def is_published(conn: sqlite3.Connection, year: int) -> bool:
    """True when YEAR is marked published."""
    row = conn.execute("SELECT published FROM calendar_years WHERE year = ?", (year,)).fetchone()
    return bool(row and row["published"])


def snapshot(conn: sqlite3.Connection) -> dict[str, Any]:
    """The whole calendar as a plain dict, for sending down the tree."""
    return {"version": version(conn),
            "days": [dict(r) for r in conn.execute("SELECT day, kind, name FROM calendar_days ORDER BY day")],
            "years": [dict(r) for r in conn.execute("SELECT year, published FROM calendar_years ORDER BY year")]}


def replace(conn: sqlite3.Connection, snap: dict[str, Any]) -> bool:
    """Adopt the county's calendar SNAP if newer than ours; True when it was."""
    with transaction(conn):
        if int(snap["version"]) <= version(conn):
            return False
        before = snapshot(conn)
        conn.execute("DELETE FROM calendar_days")
        conn.executemany("INSERT INTO calendar_days (day, kind, name, source) VALUES (?, ?, ?, 'county')",
                         [(d["day"], d["kind"], d.get("name", "")) for d in snap["days"]])
        conn.execute("DELETE FROM calendar_years")
        conn.executemany("INSERT INTO calendar_years (year, published) VALUES (?, ?)",
                         [(y["year"], int(y["published"])) for y in snap["years"]])
        meta.put(conn, "calendar_version", str(int(snap["version"])))
        _forget(conn)
        changed = _changed_days(before, snapshot(conn))
    if changed:
        _moved(conn, min(changed), max(changed))
    return True


def _changed_days(old: dict[str, Any], new: dict[str, Any]) -> set[date]:
    # The days whose kind differs between two snapshots, and every day of a year published or not since.
    days = {(d["day"], d["kind"]) for d in old["days"]} ^ {(d["day"], d["kind"]) for d in new["days"]}
    years = {(y["year"], bool(y["published"])) for y in old["years"]} ^ {(y["year"], bool(y["published"]))
                                                                         for y in new["years"]}
    out = {date.fromisoformat(d) for d, _ in days}
    for year, _ in years:
        out.update((date(year, 1, 1), date(year, 12, 31)))
    return out


def refresh_deadlines(conn: sqlite3.Connection, first: date, last: date) -> None:
    """Write again the deadlines (and working days taken) a calendar change between FIRST and LAST can move.

    Run after the change commits: `applications.refresh_for_calendar` works in bounded batches
    of their own, so one edit does not hold the write lock over every open case.
    """
    _moved(conn, first, last)


def _moved(conn: sqlite3.Connection, first: date, last: date) -> None:
    # Deadlines and the working days decided applications took are stored with them: write again
    # those the change can move (the figures and the supervision sweep read what is stored).
    from . import applications
    applications.refresh_for_calendar(conn, first, last)


def load_cached(conn: sqlite3.Connection) -> WorkCalendar:
    """The WorkCalendar, loaded once per write transaction (a batch touches many applications)."""
    if not conn.in_transaction:
        return load(conn)
    cache = tx_cache(conn)
    if "calendar" not in cache:
        cache["calendar"] = load(conn)
    return cache["calendar"]
