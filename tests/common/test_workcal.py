from datetime import date

import pytest

from common.store import calendar as cal_store


@pytest.fixture
def cal(conn):
    cal_store.seed_from_package(conn)
    return cal_store.load(conn)


def test_national_day_2025_with_makeup_saturdays(cal):
    # 2025: 10-01..10-08 off; Sunday 09-28 and Saturday 10-11 are make-up workdays.
    assert cal.is_workday(date(2025, 9, 28))  # Sunday worked
    assert not cal.is_workday(date(2025, 10, 1))
    assert not cal.is_workday(date(2025, 10, 8))
    assert cal.is_workday(date(2025, 10, 11))  # Saturday worked
    # Accepted Friday 09-26: 1=Sun 09-28, 2=Mon 09-29, 3=Tue 09-30, 4=Thu 10-09, 5=Fri 10-10, 6=Sat 10-11
    assert cal.add_working_days(date(2025, 9, 26), 6) == date(2025, 10, 11)
    assert cal.working_days_between(date(2025, 9, 26), date(2025, 10, 11)) == 6


def test_spring_festival_2026(cal):
    # 2026 春节: 02-15..02-23 off; Saturday 02-14 and Saturday 02-28 worked.
    assert cal.is_workday(date(2026, 2, 14))
    assert not cal.is_workday(date(2026, 2, 16))
    assert cal.is_workday(date(2026, 2, 28))
    # From Friday 02-13: 1=Sat 02-14, 2=Tue 02-24, ...
    assert cal.add_working_days(date(2026, 2, 13), 2) == date(2026, 2, 24)


def test_provisional_years(cal):
    assert not cal.is_provisional(date(2026, 5, 1))
    assert cal.is_provisional(date(2031, 5, 1))
    d = cal.deadline(date(2026, 12, 20), 20)
    assert d.provisional and d.due.year == 2027
    assert not cal.deadline(date(2026, 3, 2), 5).provisional


def test_pauses_extend_by_paused_working_days(cal):
    start = date(2026, 3, 2)  # Monday
    plain = cal.deadline(start, 10)
    # Paused Wednesday 03-04, resumed Tuesday 03-10: Thu, Fri, Mon, Tue = 4 working days.
    paused = cal.deadline(start, 10, [(date(2026, 3, 4), date(2026, 3, 10))])
    assert paused.paused_days == 4
    assert cal.working_days_between(plain.due, paused.due) == 4
    still = cal.deadline(start, 10, [(date(2026, 3, 4), None)])
    assert still.paused and still.due is None


def test_admin_edits_survive_reseed(conn):
    cal_store.seed_from_package(conn)
    cal_store.set_day(conn, date(2026, 10, 1), "workday", "county exception")
    cal_store.seed_from_package(conn)
    assert cal_store.load(conn).is_workday(date(2026, 10, 1))
    cal_store.set_published(conn, 2031)
    assert not cal_store.load(conn).is_provisional(date(2031, 1, 5))
    assert cal_store.version(conn) >= 4


def test_counting_a_span_by_arithmetic_equals_walking_it_day_by_day():
    # (The sweep counts years-long spans thousands of times: the count is arithmetic plus a bisect.)
    import random
    from datetime import date, timedelta
    rng = random.Random(18)
    exceptions = {date(2020, 1, 1) + timedelta(days=rng.randrange(3000)): rng.choice(["holiday", "workday"])
                  for _ in range(300)}
    from common.workcal import WorkCalendar
    cal = WorkCalendar(exceptions, [2020])

    def walked(start, end):
        if end < start:
            return -walked(end, start)
        return sum(1 for i in range(1, (end - start).days + 1) if cal.is_workday(start + timedelta(days=i)))
    for _ in range(3000):
        a = date(2019, 1, 1) + timedelta(days=rng.randrange(3600))
        b = a + timedelta(days=rng.randrange(-400, 3000))
        assert cal.working_days_between(a, b) == walked(a, b), (a, b)
