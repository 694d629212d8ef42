"""Business time: the clock file moves dates for drills; without it the real clock in China time."""
from datetime import date, datetime, timedelta

import pytest

from common import clock
from common.domain.application import event_date
from common.errors import ConfigError
from common.hlc import Clock


def test_without_a_file_business_time_is_the_real_time_in_china():
    bc = clock.BusinessClock("")
    assert bc.shifted_days() == 0
    assert bc.today() == datetime.now(clock.CHINA).date()


@pytest.mark.parametrize("text,rule", [("2026-12-03\n", ("date", date(2026, 12, 3))), ("+5", ("offset", 5)),
                                       ("-2\n", ("offset", -2)), ("  ", (None, None))])
def test_the_file_holds_a_date_or_a_shift_in_days(text, rule):
    assert clock.parse(text) == rule


@pytest.mark.parametrize("text", ["tomorrow", "+5d", "2026-13-01", "+", "5"])
def test_a_malformed_file_is_refused_with_the_fix(tmp_path, text):
    path = tmp_path / "clock"
    path.write_text(text)
    with pytest.raises(ConfigError) as err:
        clock.BusinessClock(path)
    assert "2026-12-03" in err.value.fix


def test_edits_are_seen_at_once_and_a_later_bad_edit_keeps_the_last_good_time(tmp_path):
    path = tmp_path / "clock"
    path.write_text("2026-12-03")
    bc = clock.BusinessClock(path)
    assert bc.today() == date(2026, 12, 3)
    assert bc.shifted_days() == (date(2026, 12, 3) - datetime.now(clock.CHINA).date()).days
    path.write_text("2026-12-08")  # same size, same second: still seen
    assert bc.today() == date(2026, 12, 8)
    path.write_text("+1")
    assert bc.today() == datetime.now(clock.CHINA).date() + timedelta(days=1)
    path.write_text("garbage")
    assert bc.today() == datetime.now(clock.CHINA).date() + timedelta(days=1)
    path.unlink()
    assert bc.shifted_days() == 0


def test_a_nodes_hlc_stamps_events_on_the_business_date_and_never_runs_back(tmp_path):
    path = tmp_path / "clock"
    path.write_text("2026-12-10")
    bc = clock.BusinessClock(path)
    hlc = Clock("371399", wall=bc.wall_ms)
    first = hlc.now()
    assert event_date(first) == date(2026, 12, 10)
    path.write_text("2026-12-01")  # moved back: the HLC keeps its later time
    later = hlc.now()
    assert later > first and event_date(later) == date(2026, 12, 10)


def test_one_clock_per_file_per_process(tmp_path):
    path = tmp_path / "clock"
    path.write_text("+3")
    cfg = {"clock_file": str(path), "code": "371399"}
    assert clock.for_config(cfg) is clock.for_config(dict(cfg))
    assert clock.today(cfg) == datetime.now(clock.CHINA).date() + timedelta(days=3)
