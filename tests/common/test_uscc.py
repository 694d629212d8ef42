"""统一社会信用代码 (GB 32100-2015) and company applicants (catalog `applicant: company`)."""
import pytest

from common import uscc
from common.domain import submission
from common.errors import ValidationError

PERSON = {"name": "周九", "id_number": "11010519440119002X", "phone": "13800001111"}
COMPANY_ITEM = {"code": "ZJ-002", "applicant": "company", "fields": [], "eligibility": {}}


@pytest.mark.parametrize("code", ["91110000802100433B", "91350100M000100Y43", " 9135 0100 m000 100y43 ",
                                  "９１３５０１００ｍ０００１００ｙ４３"])
def test_valid_codes_are_normalised(code):
    assert uscc.parse(code) == code.replace(" ", "").translate(uscc.FULL_WIDTH).upper()


@pytest.mark.parametrize("code, why", [("91110000802100433C", "校验位"), ("9111000080210043", "18 位"),
                                       ("91110000802100433I", "18 位"), ("91AB0000802100433B", "行政区划")])
def test_wrong_codes_say_what_is_wrong(code, why):
    with pytest.raises(ValidationError) as err:
        uscc.parse(code)
    assert why in err.value.message and "营业执照" in err.value.fix


def test_the_check_character_catches_every_single_slip():
    good = "91350100M000100Y43"
    for i in range(17):
        for c in uscc.ALPHABET:
            if c != good[i] and (i not in range(2, 8) or c.isdigit()):
                with pytest.raises(ValidationError):
                    uscc.parse(good[:i] + c + good[i + 1:])


def test_a_company_item_asks_for_the_company_its_code_and_legal_representative():
    with pytest.raises(ValidationError) as err:
        submission.check(COMPANY_ITEM, PERSON, {})
    assert set(err.value.fields) == {"company", "uscc", "legal_rep"}
    app, _ = submission.check(COMPANY_ITEM, dict(PERSON, company="示范县东岭建筑工程有限公司", uscc="91350100m000100y43",
                                                 legal_rep="周九"), {})
    assert app["uscc"] == "91350100M000100Y43" and app["company"] == "示范县东岭建筑工程有限公司"
    # A person's item takes no company fields (nothing kept that the item does not ask for).
    person_app, _ = submission.check({"code": "MZ-002", "fields": [], "eligibility": {}},
                                     dict(PERSON, uscc="91350100M000100Y43"), {})
    assert "uscc" not in person_app


@pytest.mark.parametrize("key, value", [("company", "\u202e司公限有筑建"), ("legal_rep", "李\u200b四"),
                                        ("company", "某某建筑\n有限公司")])
def test_names_printed_on_papers_are_one_visible_line(key, value):
    good = dict(PERSON, company="示范县东岭建筑工程有限公司", uscc="91350100M000100Y43", legal_rep="周九")
    with pytest.raises(ValidationError) as err:
        submission.check(COMPANY_ITEM, dict(good, **{key: value}), {})
    assert set(err.value.fields) == {key}


def test_json_null_is_empty_and_a_list_is_not_text():
    """An API client's null is an empty field (not the word "None"); a list or an object is refused by name."""
    from common.domain.submission import NOT_TEXT, check_applicant
    out, errors = check_applicant({"name": None, "id_number": None, "phone": ["13800000000"]})
    assert out["name"] == "" and "None" not in out["id_number"] and "name" in errors and "id_number" in errors
    assert errors["phone"] == NOT_TEXT
    out, errors = check_applicant({"name": "王五", "id_number": "11010519440119002X", "phone": 13800001111})
    assert errors == {} and out["phone"] == "13800001111"
