"""Checking what a person submits: answers within their real domain."""
import pytest

from common.domain import submission
from common.errors import ValidationError

ITEM = {"fields": [{"key": "amount", "label": "金额", "type": "money", "min": 1, "max": 5000}]}
PERSON = {"name": "赵六", "id_number": "11010519491231002X", "phone": "13700000000"}


@pytest.mark.parametrize("value", ["NaN", "nan", "inf", "-Infinity", "1e400"])
def test_a_number_that_is_not_finite_is_refused(value):
    with pytest.raises(ValidationError) as exc:
        submission.check(ITEM, PERSON, {"amount": value})
    assert "amount" in exc.value.fields


@pytest.mark.parametrize("name", ["赵\u202e六", "赵\u200b六", "赵\u0085六", "\ue000赵六"])
def test_a_name_with_invisible_characters_is_refused(name):
    with pytest.raises(ValidationError) as exc:
        submission.check(ITEM, dict(PERSON, name=name), {"amount": "10"})
    assert "name" in exc.value.fields


def test_a_good_answer_passes():
    assert submission.check(ITEM, PERSON, {"amount": "12.5"})[1] == {"amount": 12.5}
