"""Checking what a person submits: answers within their real domain."""
import pytest

from common.domain import submission
from common.errors import ValidationError

ITEM = {"fields": [{"key": "amount", "label": "金额", "type": "money", "min": 1, "max": 5000}]}
PERSON = {"name": "赵六", "id_number": "11010519440119002X", "phone": "13700000000"}


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


def test_a_date_field_must_be_plausible_and_on_the_right_side_of_today():
    from datetime import date as day
    from common.domain import submission as sub
    death = {"key": "date_of_death", "label": "死亡日期", "type": "date", "when": "past"}
    due = {"key": "expected_date", "label": "预产期", "type": "date", "when": "future"}
    plain = {"key": "start", "label": "开始日期", "type": "date"}
    item = {"fields": [death, due, plain]}
    today = day(2026, 12, 1)
    ok, errors = sub.check_form(item, {"date_of_death": "2026-11-30", "expected_date": "2027-03-01",
                                       "start": "2026-12-05"}, today)
    assert errors == {} and ok["date_of_death"] == "2026-11-30"
    _, errors = sub.check_form(item, {"date_of_death": "2099-01-01", "expected_date": "2020-01-01",
                                      "start": "9999-12-31"}, today)
    assert set(errors) == {"date_of_death", "expected_date", "start"}
    assert "不能晚于今天" in errors["date_of_death"] and "不能早于今天" in errors["expected_date"]


def test_eligibility_from_the_id_number():
    from datetime import date
    from common.domain.submission import eligibility_problems
    item = {"name": "高龄津贴申领", "name_en": "Old-age allowance", "eligibility": {"min_age": 80}}
    day = date(2026, 12, 2)
    assert eligibility_problems(item, "11010519440119002X", day) == {}  # 82
    why = eligibility_problems(item, "371399198403086144", day)["id_number"]
    assert why.startswith("高龄津贴申领要年满 80 周岁，按身份证号，申请人现在 42 岁 / Old-age allowance")
    assert eligibility_problems(dict(item, eligibility={"min_age": 82}), "11010519440119002X", date(2026, 1, 18))
    assert not eligibility_problems(dict(item, eligibility={"min_age": 82}), "11010519440119002X", date(2026, 1, 19))
    local = dict(item, eligibility={"id_regions": ["3713"], "note": "外地户籍请到户籍地办理"})
    assert "本地户籍" in eligibility_problems(local, "11010519440119002X", day)["id_number"]
    assert "外地户籍请到户籍地办理" in eligibility_problems(local, "11010519440119002X", day)["id_number"]
    assert eligibility_problems(local, "371399198403086144", day) == {}
    assert "以下" in eligibility_problems(dict(item, eligibility={"max_age": 40}), "371399198403086144", day)["id_number"]


def test_a_catalog_eligibility_that_makes_no_sense_is_refused():
    import pytest
    from common.domain import catalog as model
    from common.errors import ValidationError
    base = {"label": "t", "departments": [{"code": "MZ", "name": "民政"}], "items": [
        {"code": "MZ-001", "name": "高龄津贴", "department": "MZ", "decide_tier": "township", "case_type": "promised",
         "legal_days": 5, "promised_days": 3, "flow": [{"id": "r", "name": "审核", "role": "township_staff"}]}]}
    assert model.validate(base)["items"][0]["eligibility"] == {}
    for bad in ({"min_age": -1}, {"min_age": "80"}, {"min_age": 90, "max_age": 80}, {"id_regions": ["37a"]},
                {"id_regions": []}, {"age": 80}, ["min_age", 80]):
        base["items"][0]["eligibility"] = bad
        with pytest.raises(ValidationError):
            model.validate(base)
    base["items"][0]["eligibility"] = {"min_age": 80, "id_regions": ["371399"]}
    assert model.validate(base)["items"][0]["eligibility"] == {"min_age": 80, "id_regions": ["371399"]}
