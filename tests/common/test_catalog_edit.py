"""One catalog item edited through a form: form ⇄ item round trip, conflicts, bad YAML boxes."""
import pytest

from common.domain import catalog as model
from common.domain import catalog_edit as edit
from common.errors import Conflict, NotFound, ValidationError
from common.node import open_db
from common.store import catalog
from tests.helpers import make_node


@pytest.fixture(scope="module")
def shipped(tmp_path_factory):
    conn = open_db(make_node(tmp_path_factory.mktemp("cat"), "county"))
    yield catalog.export(conn), catalog.current_version(conn)
    conn.close()


def test_every_shipped_item_survives_the_form_unchanged(shipped):
    doc, _ = shipped
    for item in doc["items"]:
        back = model.validate(dict(doc, items=[edit.item_of(edit.form_of(item))]))["items"][0]
        assert {k: v for k, v in back.items() if k != "search_terms"} == \
            {k: v for k, v in item.items() if k != "search_terms"}, item["code"]


def test_an_edit_replaces_the_item_and_drops_its_stale_pinyin(shipped):
    doc, v = shipped
    form = edit.form_of(next(i for i in doc["items"] if i["code"] == "RS-003"))
    form.update(name="社会保障卡申领（新）", promised_days="8", fee="5")
    new = model.validate(edit.with_item(doc, v, v, edit.item_of(form), replacing="RS-003"))
    item = next(i for i in new["items"] if i["code"] == "RS-003")
    assert (item["name"], item["promised_days"], item["fee"]) == ("社会保障卡申领（新）", 8, 5.0)
    raw = edit.with_item(doc, v, v, edit.item_of(form), replacing="RS-003")["items"]
    assert "search_terms" not in next(i for i in raw if i["code"] == "RS-003")
    assert len(new["items"]) == len(doc["items"])


def test_a_stale_form_a_taken_code_and_a_vanished_item_are_refused(shipped):
    doc, v = shipped
    form = edit.form_of(next(i for i in doc["items"] if i["code"] == "RS-003"))
    with pytest.raises(Conflict, match="第 .* 版"):
        edit.with_item(doc, v - 1 if v > 1 else v + 1, v, edit.item_of(form), replacing="RS-003")
    with pytest.raises(Conflict, match="已被使用"):
        edit.with_item(doc, v, v, edit.item_of(dict(form, code="MZ-001")), replacing="RS-003")
    with pytest.raises(Conflict, match="已被使用"):
        edit.with_item(doc, v, v, edit.item_of(form))  # added under a code that exists
    with pytest.raises(NotFound):
        edit.with_item(doc, v, v, edit.item_of(form), replacing="ZZ-999")
    with pytest.raises(NotFound):
        edit.without_item(doc, v, v, "ZZ-999")
    assert len(edit.without_item(doc, v, v, "RS-003")["items"]) == len(doc["items"]) - 1


def test_bad_yaml_boxes_are_named_and_a_bad_item_fails_validation_as_an_import_would(shipped):
    doc, v = shipped
    form = edit.form_of(next(i for i in doc["items"] if i["code"] == "RS-003"))
    with pytest.raises(ValidationError) as err:
        edit.item_of(dict(form, flow="- id: [unclosed", materials="name: not a list"))
    assert set(err.value.fields) == {"flow", "materials"}
    worse = edit.item_of(dict(form, promised_days="30", legal_days="20", department="NOPE", fee="-1"))
    with pytest.raises(ValidationError) as err:
        model.validate(edit.with_item(doc, v, v, worse, replacing="RS-003"))
    text = " ".join(err.value.details)
    assert "promised_days" in text and "NOPE" in text and "fee" in text


def test_an_items_pre_check_survives_the_edit_form_and_a_bad_one_names_its_box():
    item = {"code": "MZ-001", "name": "高龄津贴", "department": "MZ", "eligibility": {"min_age": 80},
            "materials": [], "fields": [], "flow": []}
    form = edit.form_of(item)
    assert edit.item_of(form)["eligibility"] == {"min_age": 80}
    with pytest.raises(ValidationError) as exc:
        edit.item_of(dict(form, eligibility="- 80"))
    assert "eligibility" in exc.value.fields
