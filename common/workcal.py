"""The working-day clock: public holidays, make-up workdays (调休) and paused periods (补正).

Pure logic over a set of exceptions to the Monday–Friday rule. Time limits count working days
from the day after the start (the day of acceptance is not counted), as service guides do.
Dates in a year whose holiday schedule is not published yet are flagged provisional.
"""
from bisect import bisect_right
from dataclasses import dataclass
from datetime import date, timedelta

MAX_SPAN_DAYS = 3660  # no time limit in the catalog comes near ten years; guards runaway loops


@dataclass(frozen=True)
class Deadline:
    """A computed deadline: `due` is None while the clock is paused."""

    due: date | None
    provisional: bool
    paused_days: int
    paused: bool


class WorkCalendar:
    """Working days given EXCEPTIONS {date: 'holiday'|'workday'} and the PUBLISHED years."""

    def __init__(self, exceptions=None, published_years=()):
        self.exceptions = dict(exceptions or {})
        self.published_years = set(published_years)
        # Each exception's difference from the Monday–Friday rule (+1 a weekend workday, -1 a
        # weekday holiday), in date order: counting a span is arithmetic plus a bisect, not a walk
        # over every day (the supervision sweep counts years-long spans thousands of times).
        self._marks = sorted((d, self.is_workday(d) - (d.weekday() < 5)) for d in self.exceptions)
        self._days = [d for d, _ in self._marks]
        self._shift = [0]
        for _, delta in self._marks:
            self._shift.append(self._shift[-1] + delta)

    def is_workday(self, day):
        """True when DAY is a working day."""
        kind = self.exceptions.get(day)
        if kind == "holiday":
            return False
        if kind == "workday":
            return True
        return day.weekday() < 5

    def is_provisional(self, day):
        """True when DAY's year has no published schedule (weekends only are known)."""
        return day.year not in self.published_years

    def add_working_days(self, start, n):
        """The N-th working day after START (START itself not counted); N=0 gives START."""
        if n < 0:
            raise ValueError("n must be >= 0")
        day, left = start, n
        for _ in range(MAX_SPAN_DAYS):
            if left == 0:
                return day
            day += timedelta(days=1)
            if self.is_workday(day):
                left -= 1
        raise ValueError(f"{n} working days after {start} is beyond the calendar's range")

    def working_days_between(self, start, end):
        """Working days d with START < d <= END; negative when END is before START."""
        if end < start:
            return -self.working_days_between(end, start)
        if (end - start).days > MAX_SPAN_DAYS:
            raise ValueError("span too long")
        return _weekdays_upto(end) - _weekdays_upto(start) + self._shift[bisect_right(self._days, end)] \
            - self._shift[bisect_right(self._days, start)]

    def deadline(self, start, limit_days, pauses=()):
        """Due date LIMIT_DAYS working days after START, extended by the working days paused.

        PAUSES is a list of (paused_on, resumed_on) dates; resumed_on None means still paused.
        A pause from P to R stops the clock for the working days P < d <= R.
        """
        paused_days, open_pause = 0, False
        for paused_on, resumed_on in pauses:
            if resumed_on is None:
                open_pause = True
                continue
            paused_days += max(0, self.working_days_between(paused_on, resumed_on))
        if open_pause:
            return Deadline(None, self.is_provisional(start), paused_days, True)
        due = self.add_working_days(start, limit_days + paused_days)
        provisional = any(self.is_provisional(date(y, 1, 1)) for y in range(start.year, due.year + 1))
        return Deadline(due, provisional, paused_days, False)

    def remaining(self, today, due):
        """Working days left from TODAY until DUE (0 on the due day, negative once overdue)."""
        return self.working_days_between(today, due)


def _weekdays_upto(day):
    # Monday–Friday days d <= DAY, counted from an arbitrary Monday long ago (only differences are used).
    n = day.toordinal()  # ordinal 1 (0001-01-01) is a Monday
    weeks, rest = divmod(n, 7)  # rest 0 … 6: days into the week after the last whole one (Sunday ends one)
    return weeks * 5 + min(rest, 5)
