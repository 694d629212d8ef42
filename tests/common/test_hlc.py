import pytest

from common.errors import ValidationError
from common.hlc import Clock, parse


def test_monotonic_when_wall_stands_still_or_goes_back():
    wall = [1000]
    clock = Clock("370000", wall=lambda: wall[0])
    a = clock.now()
    b = clock.now()
    wall[0] = 500
    c = clock.now()
    assert a < b < c


def test_observe_moves_past_remote():
    clock = Clock("370000", wall=lambda: 1000)
    clock.observe("0000000005000-0003-370001")
    assert clock.now() > "0000000005000-0003-370001"
    assert parse(clock.now()).ms == 5000


def test_restart_resumes_after_last():
    clock = Clock("370000", last="0000000009000-0007-370000", wall=lambda: 1)
    assert clock.now() == "0000000009000-0008-370000"


def test_bad_and_far_future_timestamps_refused():
    clock = Clock("n", wall=lambda: 1000)
    with pytest.raises(ValidationError):
        clock.observe("garbage")
    with pytest.raises(ValidationError):
        clock.observe("9999999999999-0000-x")
