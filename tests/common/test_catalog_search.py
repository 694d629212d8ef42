"""Finding items in the shipped catalog by life event, words, pinyin and initials; and over HTTP."""
import pytest
import requests

from common.domain import catalog as model
from common.domain.catalog_search import in_life_event, life_events, readings, search
from common.node import SHIPPED_CATALOG
from common.tiers import load_tier
from tests.helpers import LiveServer, make_node


@pytest.fixture(scope="module")
def shipped():
    doc = model.validate(model.load_yaml(SHIPPED_CATALOG.read_text(encoding="utf-8")))
    return doc["items"], {d["code"]: d["name"] for d in doc["departments"]}


def codes(items):
    return [i["code"] for i in items]


def test_readings_give_full_pinyin_and_initials():
    assert readings("社会保障卡申领") == ("shehuibaozhangkashenling", "shbzksl")


def test_search_by_words_initials_full_pinyin_and_department(shipped):
    items, depts = shipped
    assert codes(search(items, "社会保障卡", depts))[0] == "RS-003"
    assert "RS-003" in codes(search(items, "shbzk", depts))
    assert "RS-003" in codes(search(items, "shehuibaozhang", depts))
    by_dept = search(items, "民政局", depts)
    assert by_dept and all(i["department"] == "MZ" for i in by_dept)
    # every term must match; nonsense matches nothing
    assert search(items, "社会保障卡 残疾", depts) == []
    assert search(items, "zzzzqqq", depts) == []
    assert len(search(items, "   ", depts)) == len(items)


def test_name_prefix_ranks_first(shipped):
    items, depts = shipped
    found = search(items, "高龄", depts)
    assert found and found[0]["name"].startswith("高龄")


def test_life_events_count_their_items(shipped):
    items, _ = shipped
    events = life_events(items)
    names = [e["name"] for e in events]
    assert "养老" in names and "困难救助" in names
    for e in events:
        assert e["count"] == len(in_life_event(items, e["name"])) > 0
    assert [e["count"] for e in events] == sorted((e["count"] for e in events), reverse=True)


def test_catalog_api_filters_by_search_and_life_event(tmp_path):
    cfg = make_node(tmp_path, "village")
    with LiveServer(load_tier("village").create_app(cfg)) as srv:
        r = requests.get(srv.url + "/api/v1/catalog", params={"q": "shbzk"}, timeout=10)
        assert r.status_code == 200 and "RS-003" in codes(r.json()["items"])
        events = requests.get(srv.url + "/api/v1/catalog/life-events", timeout=10).json()["life_events"]
        first = events[0]
        r = requests.get(srv.url + "/api/v1/catalog", params={"life_event": first["name"]}, timeout=10)
        assert len(r.json()["items"]) == first["count"]
        r = requests.get(srv.url + "/api/v1/catalog", params={"q": "养老", "department": "NOPE"}, timeout=10)
        assert r.status_code == 200 and r.json()["items"] == []
        spec = requests.get(srv.url + "/api/v1/openapi.json", timeout=10).json()
        params = {p["name"] for p in spec["paths"]["/api/v1/catalog"]["get"]["parameters"]}
        assert params == {"department", "life_event", "q"}


def test_imported_catalogs_carry_their_pinyin_so_a_node_searches_without_loading_pypinyin(tmp_path):
    import subprocess
    import sys
    cfg = make_node(tmp_path, "village")
    probe = (
        "import sys\n"
        "from common.node import open_node\n"
        "from common.store import catalog\n"
        "from common.domain import catalog_search\n"
        f"cfg, conn = open_node({str(cfg.data_dir)!r})\n"
        "items = catalog.items(conn)\n"
        "assert all(it['search_terms'] for it in items)\n"
        "found = [it['code'] for it in catalog_search.search(items, 'shbzk')]\n"
        "print(found, 'pypinyin' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    found, loaded = out.stdout.rsplit(" ", 1)
    assert loaded.strip() == "False"
    assert "RS-003" in found
