import copy
from pathlib import Path

import pytest

from common.domain import catalog as model
from common.domain import catalog_csv
from common.errors import NotFound, ValidationError
from common.store import catalog as store

SHIPPED = Path(__file__).resolve().parents[2] / "common" / "data" / "county_catalog.yaml"


@pytest.fixture
def shipped():
    return model.load_yaml(SHIPPED.read_text(encoding="utf-8"))


def test_shipped_catalog_is_realistic(shipped):
    cat = model.validate(shipped)
    items = cat["items"]
    assert len(items) >= 40
    assert len({i["department"] for i in items}) >= 12
    township = {i["code"] for i in items if i["decide_tier"] == "township"}
    assert {"MZ-001", "MZ-002", "NY-001"} <= township
    joint = [i for i in items if i["case_type"] == "joint"]
    assert joint
    depts = {b["department"] for s in joint[0]["flow"] if "parallel" in s for b in s["parallel"]["branches"]}
    assert len(depts) >= 4
    for i in items:
        assert i["legal_days"] >= i["promised_days"]
        assert i["materials"] or i["case_type"] == "voice", i["code"]


def test_import_is_versioned_and_idempotent(conn, shipped):
    assert store.current_version(conn) == 0
    v1 = store.import_catalog(conn, shipped, "test")
    assert v1 == 1 and store.import_catalog(conn, shipped, "again") == 1
    changed = copy.deepcopy(shipped)
    changed["items"][0]["promised_days"] = 9
    assert store.import_catalog(conn, changed, "edit") == 2
    assert store.item(conn, changed["items"][0]["code"])["promised_days"] == 9
    assert store.item(conn, changed["items"][0]["code"], version=1)["promised_days"] == 10
    with pytest.raises(NotFound):
        store.item(conn, "XX-999")


def test_bad_file_lists_every_problem_and_keeps_old_catalog(conn, shipped):
    store.import_catalog(conn, shipped, "test")
    bad = copy.deepcopy(shipped)
    bad["items"][0]["promised_days"] = 99
    bad["items"][1]["department"] = "NOPE"
    bad["items"][2]["materials"][0]["form"] = "photocopy"
    bad["items"][3]["flow"][0]["role"] = "township_head"  # county item
    bad["items"][4]["proxy_alowed"] = True
    bad["items"].append(copy.deepcopy(bad["items"][5]))
    with pytest.raises(ValidationError) as exc:
        store.import_catalog(conn, bad, "bad")
    details = "\n".join(exc.value.details)
    assert len(exc.value.details) >= 6
    for needle in ["promised_days cannot exceed", "NOPE", "photocopy", "cannot act on a county item",
                   "proxy_alowed", "used twice"]:
        assert needle in details
    assert store.current_version(conn) == 1


def test_yaml_syntax_error_is_clear():
    with pytest.raises(ValidationError, match="YAML"):
        model.load_yaml("items: [unclosed")


CSV = """code,name,department,decide_tier,case_type,legal_days,promised_days,life_events,materials,fields,flow
MZ-101,测试救助,MZ,township,promised,10,5,困难救助,居民身份证/original/required;户口簿/copy/required/later,reason:事由:textarea,review:审核:township_staff;approve:审批:township_head
ZJ-101,测试联审,ZJ,county,joint,20,10,,设计方案/original/required,,intake:受理:county_approver;all(a:规划:county_approver:ZR|b:施工:county_approver:ZJ)
"""


def test_csv_import(conn, shipped):
    store.import_catalog(conn, shipped, "test")
    cat = catalog_csv.parse(CSV, store.departments(conn))
    v = store.import_catalog(conn, cat, "csv")
    item = store.item(conn, "MZ-101", v)
    assert item["materials"][1]["later"] is True
    assert store.item(conn, "ZJ-101", v)["flow"][1]["parallel"]["branches"][0]["department"] == "ZR"


def test_csv_says_which_items_companies_apply_for(conn, shipped):
    store.import_catalog(conn, shipped, "test")
    text = CSV.replace("promised_days,", "promised_days,applicant,", 1).replace(",5,", ",5,,").replace(",10,,设计", ",10,company,,设计")
    v = store.import_catalog(conn, catalog_csv.parse(text, store.departments(conn)), "csv")
    assert store.item(conn, "ZJ-101", v)["applicant"] == "company" and "applicant" not in store.item(conn, "MZ-101", v)
    with pytest.raises(ValidationError) as exc:
        model.validate(catalog_csv.parse(text.replace(",company,", ",firm,"), store.departments(conn)))
    assert "applicant" in " ".join(exc.value.details)


def test_csv_bad_rows_named(conn, shipped):
    store.import_catalog(conn, shipped, "test")
    bad = CSV.replace("township,promised,10,5", "township,promised,x,5").replace("/required/later", "/sometimes")
    with pytest.raises(ValidationError) as exc:
        store.import_catalog(conn, catalog_csv.parse(bad.replace("sometimes", "required"), store.departments(conn)), "c")
    assert any("legal_days" in d for d in exc.value.details)
    with pytest.raises(ValidationError) as exc:
        catalog_csv.parse(bad, store.departments(conn))
    assert any("row 2 (MZ-101)" in d and "sometimes" in d for d in exc.value.details)
    with pytest.raises(ValidationError, match="lacks column"):
        catalog_csv.parse("code,name\nA-001,x\n", [])


@pytest.mark.parametrize("wrong", [["county"], {"a": 1}, None, 12, 1.5, True, ""])
def test_a_value_of_the_wrong_type_anywhere_in_an_item_is_named_not_a_crash(shipped, wrong):
    """A hand-edited file may put a list, a map or a number where text goes: each is a problem to fix."""
    joint = next(i for i in shipped["items"] if any("parallel" in s for s in i["flow"]))
    for item in (shipped["items"][0], joint):
        for key in list(item) + ["flow.role", "flow.id", "flow.department", "materials.name", "materials.form"]:
            bad = copy.deepcopy(shipped)
            target = next(i for i in bad["items"] if i["code"] == item["code"])
            if "." in key:
                top, sub = key.split(".")
                if not target.get(top) or not isinstance(target[top][0], dict):
                    continue
                target[top][0][sub] = wrong
            else:
                target[key] = wrong
            try:
                model.validate(bad)
            except ValidationError:
                pass  # named, with the fix
    for key in list(shipped):
        for where in ("top", "first"):
            bad = copy.deepcopy(shipped)
            if where == "top":
                bad[key] = wrong
            elif isinstance(bad[key], list) and bad[key]:
                bad[key][0] = wrong
            else:
                continue
            try:
                model.validate(bad)
                assert key not in ("departments", "items"), f"{key} {where} {wrong!r} was taken"
            except ValidationError:
                pass
