"""One use case per administrative action: `sanji catalog import` / `sanji calendar …` and the county's
/admin pages make the same change, write the same audit record and queue it for every child, in one
transaction (a change that cannot be queued or audited is not made)."""
import sqlite3

import pytest
import requests
import zmq
from click.testing import CliRunner

from common.cli import cli
from common.node import open_db
from common.store import calendar as cal_store
from common.tiers import load_tier
from common.usecases import calendar as calendar_usecase
from common.usecases import catalog as catalog_usecase
from sync import store as node_keys
from tests.county_hub.test_admin import CATALOG
from tests.helpers import LiveServer, csrf_from, login, make_node

T = "371399101"


@pytest.fixture
def county(tmp_path):
    """A county node with one enrolled township (so a broadcast has a link to be queued on)."""
    cfg = make_node(tmp_path, "county")
    conn = open_db(cfg)
    node_keys.add_accepted(conn, zmq.curve_keypair()[0].decode(), T)
    conn.close()
    return cfg


def audited(cfg, prefix):
    """(actor, action, target) of the audit records whose action starts with PREFIX, oldest first."""
    with sqlite3.connect(cfg.db_path) as db:
        return db.execute("SELECT actor, action, target FROM audit_log WHERE action LIKE ? ORDER BY seq",
                          (prefix + "%",)).fetchall()


def queued(cfg, kind):
    """(link, msg_id) of the outbox rows of KIND, oldest first."""
    with sqlite3.connect(cfg.db_path) as db:
        return db.execute("SELECT link, msg_id FROM sync_outbox WHERE kind = ? ORDER BY link, seq", (kind,)).fetchall()


def calendar_version(cfg):
    conn = open_db(cfg)
    try:
        return cal_store.version(conn)
    finally:
        conn.close()


def sanji(cfg, *args):
    """`sanji ARGS --data CFG's folder`, run in this process (a refused change ends with its error)."""
    return CliRunner().invoke(cli, [*args, "--data", str(cfg.data_dir)])


def web_post(s, url, path, data=None, files=None):
    token = csrf_from(s.get(url + path, timeout=10).text)
    return s.post(url + path, data=dict(data or {}, csrf_token=token), files=files, timeout=30)


def test_the_cli_and_the_web_admin_both_audit_and_publish(county, tmp_path):
    v2 = tmp_path / "v2.yaml"
    v2.write_text(CATALOG, encoding="utf-8")
    r = sanji(county, "catalog", "import", str(v2))
    assert r.exit_code == 0 and "imported version 2" in r.output, r.output
    assert audited(county, "catalog.") == [("cli", "catalog.imported", "2")]
    assert queued(county, "catalog") == [(T, "catalog-2")]
    r = sanji(county, "catalog", "import", str(v2))  # the same content: no version, nothing audited or sent
    assert r.exit_code == 0 and "unchanged: version 2" in r.output
    assert len(audited(county, "catalog.")) == 1 and len(queued(county, "catalog")) == 1
    bad = tmp_path / "bad.yaml"
    bad.write_text("items: [{code: nope}]", encoding="utf-8")
    assert sanji(county, "catalog", "import", str(bad)).exit_code != 0
    assert len(audited(county, "catalog.")) == 1 and len(queued(county, "catalog")) == 1

    for args in (("add-holiday", "2030-10-08", "--name", "县庆"), ("add-workday", "2030-10-12"),
                 ("remove", "2030-10-12"), ("publish", "2030")):
        r = sanji(county, "calendar", *args)
        assert r.exit_code == 0, r.output
        assert queued(county, "calendar")[-1] == (T, f"calendar-{calendar_version(county)}")
    assert audited(county, "calendar.") == [("cli", "calendar.holiday", "2030-10-08"),
                                            ("cli", "calendar.workday", "2030-10-12"),
                                            ("cli", "calendar.remove", "2030-10-12"),
                                            ("cli", "calendar.published", "2030")]
    assert len(queued(county, "calendar")) == 4
    assert sanji(county, "calendar", "add-holiday", "2030-13-01").exit_code != 0
    assert len(audited(county, "calendar.")) == 4 and len(queued(county, "calendar")) == 4

    with LiveServer(load_tier("county").create_app(county)) as srv:
        s = requests.Session()
        login(s, srv.url)
        v3 = CATALOG.replace("测试事项", "测试事项（修订）").encode()
        r = web_post(s, srv.url, "/admin/catalog", files={"file": ("v3.yaml", v3, "text/yaml")})
        assert r.status_code == 200 and "已导入并下发第 3 版" in r.text
        r = web_post(s, srv.url, "/admin/calendar?year=2030", {"day": "2030-10-09", "kind": "holiday", "name": "县庆"})
        assert r.status_code == 200 and "县庆" in r.text
        r = web_post(s, srv.url, "/admin/calendar?year=2030", {"day": "2030-10-09", "kind": "remove"})
        assert r.status_code == 200
        assert web_post(s, srv.url, "/admin/calendar", {"day": "9/10/2030", "kind": "holiday"}).status_code == 400
    assert audited(county, "catalog.")[1:] == [("admin", "catalog.imported", "3")]
    assert queued(county, "catalog")[1:] == [(T, "catalog-3")]
    assert audited(county, "calendar.")[4:] == [("admin", "calendar.holiday", "2030-10-09"),
                                                ("admin", "calendar.remove", "2030-10-09")]
    assert queued(county, "calendar")[-1] == (T, f"calendar-{calendar_version(county)}")
    assert len(queued(county, "calendar")) == 6


def test_a_change_that_cannot_be_sent_is_not_made_nor_audited(county, monkeypatch):
    def down(*_):
        raise OSError("disk full")

    monkeypatch.setattr(catalog_usecase, "publish", down)
    monkeypatch.setattr(calendar_usecase, "publish", down)
    conn = open_db(county)
    try:
        with pytest.raises(OSError):
            catalog_usecase.import_file(conn, county["code"], "admin", CATALOG.encode(), "v2.yaml", "web:admin")
        with pytest.raises(OSError):
            calendar_usecase.edit_day(conn, county["code"], "admin", "2030-10-08", "holiday", "县庆")
        with pytest.raises(OSError):
            calendar_usecase.set_published(conn, county["code"], "admin", 2030)
        assert conn.execute("SELECT MAX(version) FROM catalog_versions").fetchone()[0] == 1
        assert conn.execute("SELECT COUNT(*) FROM calendar_days WHERE day = '2030-10-08'").fetchone()[0] == 0
    finally:
        conn.close()
    assert audited(county, "catalog.") == [] and audited(county, "calendar.") == []
