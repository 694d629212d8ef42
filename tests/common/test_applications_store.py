import copy
from datetime import date
from pathlib import Path

import pytest

from common.domain import catalog as catalog_model
from common.errors import Conflict, CustodyError, ValidationError
from common.hlc import Clock
from common.ids import is_valid_tracking_code
from common.store import applications as apps
from common.store import calendar as cal_store
from common.store import catalog as catalog_store
from common.store import audit

V, T, C = "370101001001", "370101001", "370101"
APPLICANT = {"name": "李四", "id_number": "11010519440119002x", "phone": "138 0000 0000"}
CATALOG = Path(__file__).resolve().parents[2] / "common" / "data" / "county_catalog.yaml"


class FakeWall:
    """A controllable wall clock (ms) for the HLC, so event dates are chosen by the test."""

    def __init__(self, day):
        self.ms = int((date.fromisoformat(day) - date(1970, 1, 1)).days * 86_400_000 + 2 * 3600_000)

    def __call__(self):
        return self.ms

    def advance_days(self, n):
        self.ms += n * 86_400_000


@pytest.fixture
def node(conn):
    catalog_store.import_catalog(conn, catalog_model.load_yaml(CATALOG.read_text(encoding="utf-8")), "test")
    cal_store.seed_from_package(conn)
    return conn


def test_submit_validates_everything(node):
    item = catalog_store.item(node, "MZ-002")
    with pytest.raises(ValidationError) as exc:
        apps.submit(node, Clock(V), V, "kiosk", item, {"name": "", "id_number": "123", "phone": "12"},
                    {"reason": "不存在的选项", "amount": "abc"})
    assert set(exc.value.fields) == {"name", "id_number", "phone", "reason", "amount"}
    assert node.execute("SELECT COUNT(*) FROM events").fetchone()[0] == 0


def test_submit_stores_event_projection_and_audit_together(node):
    item = catalog_store.item(node, "MZ-001")
    doc = apps.submit(node, Clock(V), V, "kiosk", item, APPLICANT, {"bank_account": "6222020200112233445"})
    assert is_valid_tracking_code(doc["tracking_code"])
    assert doc["applicant"]["id_number"].endswith("X") and doc["applicant"]["phone"] == "13800000000"
    assert [e["type"] for e in apps.events(node, doc["id"])] == ["submitted"]
    assert apps.by_tracking_code(node, doc["tracking_code"].lower())[0]["id"] == doc["id"]
    assert audit.recent(node, target=doc["id"])[0]["action"] == "application.submitted"


def test_ingest_is_idempotent_and_conflicts_are_refused(node, tmp_path):
    from common.store import db
    from common.store.migrations import COMMON
    village = node
    township = db.connect(tmp_path / "township.db")
    db.migrate(township, COMMON)
    item = catalog_store.item(village, "MZ-001")
    doc = apps.submit(village, Clock(V), V, "kiosk", item, APPLICANT, {"bank_account": "6222020200112233445"})
    (event,) = apps.events(village, doc["id"])
    assert apps.ingest(township, event) == "stored"
    assert apps.ingest(township, event) == "duplicate"
    forged = copy.deepcopy(event)
    forged["payload"]["applicant"]["name"] = "王五"
    with pytest.raises(Conflict):
        apps.ingest(township, forged)
    assert township.execute("SELECT COUNT(*) FROM events").fetchone()[0] == 1
    assert apps.get(township, doc["id"])["applicant"]["name"] == "李四"
    # A decision claimed by a node without custody is refused and not stored.
    clock_c = Clock(C)
    bad = {"id": "bad-1", "app_id": doc["id"], "origin": C, "hlc": clock_c.now(), "actor": "x",
           "type": "accepted", "payload": {}}
    with pytest.raises(CustodyError):
        apps.ingest(township, bad)
    assert township.execute("SELECT COUNT(*) FROM events WHERE id = 'bad-1'").fetchone()[0] == 0


def test_late_event_replays_projection(node, tmp_path):
    from common.store import db
    from common.store.migrations import COMMON
    county = db.connect(tmp_path / "county.db")
    db.migrate(county, COMMON)
    item = catalog_store.item(node, "MZ-001")
    doc = apps.submit(node, Clock(V), V, "kiosk", item, APPLICANT, {"bank_account": "6222020200112233445"})
    clock_t = Clock(T)
    # Deliver the township's history to the county with a village comment arriving late.
    apps.ingest(county, apps.events(node, doc["id"])[0])
    received = {"id": "r1", "app_id": doc["id"], "origin": T, "hlc": clock_t.now(), "actor": "t", "type": "received",
                "payload": {}}
    comment = {"id": "c1", "app_id": doc["id"], "origin": V, "hlc": clock_t.now(), "actor": "v", "type": "commented",
               "payload": {"text": "补充说明"}}
    accepted = {"id": "a1", "app_id": doc["id"], "origin": T, "hlc": clock_t.now(), "actor": "t", "type": "accepted",
                "payload": {}}
    apps.ingest(county, received)
    apps.ingest(county, accepted)
    apps.ingest(county, comment)  # older than the projection: replayed
    got = apps.get(county, doc["id"])
    assert got["state"] == "accepted" and got["comments"] == 1 and got["anomalies"] == []


def test_deadline_moves_by_exactly_the_paused_working_days(node):
    wall = FakeWall("2026-03-02")  # Monday
    clock = Clock(T, wall=wall)
    item = catalog_store.item(node, "MZ-001")  # promised 10 working days
    doc = apps.submit(node, clock, T, "window", item, APPLICANT, {"bank_account": "6222020200112233445"})
    apps.append(node, clock, T, doc["id"], "received", "staff")
    doc = apps.append(node, clock, T, doc["id"], "accepted", "staff")
    assert doc["due_on"] == "2026-03-16" and not doc["due_provisional"]
    wall.advance_days(2)  # Wednesday 03-04
    doc = apps.append(node, clock, T, doc["id"], "supplement_requested", "staff", {"reason": "r", "missing": ["银行卡"]})
    assert doc["due_on"] is None
    wall.advance_days(6)  # Tuesday 03-10: Thu, Fri, Mon, Tue paused = 4 working days
    doc = apps.append(node, clock, V, doc["id"], "supplement_provided", "kiosk", {"materials": []})
    assert doc["paused_days"] == 4
    assert cal_store.load(node).working_days_between(date(2026, 3, 16), date.fromisoformat(doc["due_on"])) == 4
    row = node.execute("SELECT due_on FROM applications WHERE id = ?", (doc["id"],)).fetchone()
    assert row["due_on"] == doc["due_on"]


def test_audit_chain_catches_edit_delete_and_reorder(conn):
    for i in range(6):
        audit.record(conn, "admin", "test.action", f"t{i}", {"n": i})
    assert audit.verify(conn) == (True, 6, None)
    with pytest.raises(Exception, match="append-only"):
        conn.execute("UPDATE audit_log SET actor = 'x' WHERE seq = 2")
    with pytest.raises(Exception, match="append-only"):
        conn.execute("DELETE FROM audit_log WHERE seq = 2")

    def tamper(sql):
        # An attacker with file access drops the triggers first; the chain still tells.
        conn.execute("DROP TRIGGER audit_log_no_update")
        conn.execute("DROP TRIGGER audit_log_no_delete")
        conn.execute(sql)

    snapshot = [dict(r) for r in conn.execute("SELECT * FROM audit_log ORDER BY seq")]
    tamper("UPDATE audit_log SET detail = '{\"n\": 99}' WHERE seq = 3")
    ok, _, problem = audit.verify(conn)
    assert not ok and problem == "record 3 was changed after it was written"

    def restore():
        conn.execute("DELETE FROM audit_log")
        for r in snapshot:
            conn.execute("INSERT INTO audit_log VALUES (:seq, :at, :actor, :action, :target, :detail, :ip,"
                         " :prev_hash, :hash)", r)
        assert audit.verify(conn)[0]

    restore()
    conn.execute("DELETE FROM audit_log WHERE seq = 4")
    ok, _, problem = audit.verify(conn)
    assert not ok and "record 4 is missing" in problem
    restore()
    # Reorder: swap rows 2 and 5 keeping their seq numbers in place.
    r2, r5 = snapshot[1], snapshot[4]
    conn.execute("DELETE FROM audit_log WHERE seq IN (2, 5)")
    for seq, r in ((2, r5), (5, r2)):
        conn.execute("INSERT INTO audit_log VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                     (seq, r["at"], r["actor"], r["action"], r["target"], r["detail"], r["ip"], r["prev_hash"], r["hash"]))
    ok, _, problem = audit.verify(conn)
    assert not ok and problem.startswith("record 2")


def test_the_legal_day_of_a_decision_is_the_deciding_nodes_own_day_not_its_pushed_hlc(node):
    # 23:55 in China on Monday; a child's event 8 minutes ahead (within the tolerance) was observed,
    # so the township's HLC is already past midnight. The acceptance is still Monday's.
    wall = FakeWall("2026-03-02")
    wall.ms += (15 * 60 + 55) * 60_000 - 2 * 3600_000  # 15:55 UTC = 23:55 China time
    clock = Clock(T, wall=wall)
    clock.observe(f"{wall.ms + 8 * 60_000:013d}-0000-{V}")
    doc = apps.submit(node, clock, T, "window", catalog_store.item(node, "MZ-001"), APPLICANT,
                      {"bank_account": "6222020200112233445"})
    apps.append(node, clock, T, doc["id"], "received", "staff")
    doc = apps.append(node, clock, T, doc["id"], "accepted", "staff")
    assert doc["accepted_on"] == "2026-03-02" and doc["submitted_on"] == "2026-03-03"  # (a child's, by its HLC)
    accepted = apps.events(node, doc["id"])[-1]
    assert accepted["payload"]["on"] == "2026-03-02"
    # Replayed from the events (a late event, another node), the day is the same: it travels in the event.
    from common.domain import application as model
    assert model.project(apps.events(node, doc["id"]))["accepted_on"] == "2026-03-02"


def test_a_stated_legal_day_far_from_its_event_time_is_refused():
    from common.domain import application as model
    event = {"hlc": "1772466900000-0000-370101001", "payload": {"on": "2026-03-09"}}
    assert "within 1 day" in model.on_problem(event)
    assert model.on_problem(dict(event, payload={"on": "2026-03-03"})) is None
    assert model.on_problem(dict(event, payload={"on": 20260303})) is not None
    assert model.event_day(dict(event, payload={"on": "2026-13-01"})) == model.event_date(event["hlc"]).isoformat()


def test_late_events_of_one_batch_replay_from_one_read_and_a_rolled_back_one_is_forgotten(node, tmp_path):
    from common.domain import application as model
    from common.store import db
    from common.store.migrations import COMMON
    county = db.connect(tmp_path / "county.db")
    db.migrate(county, COMMON)
    doc = apps.submit(node, Clock(V), V, "kiosk", catalog_store.item(node, "MZ-001"), APPLICANT,
                      {"bank_account": "6222020200112233445"})
    apps.ingest(county, apps.events(node, doc["id"])[0])
    clock_t = Clock(T)
    old = clock_t.now()  # older than what follows: every supplement below arrives late
    for i in range(30):
        apps.ingest(county, {"id": f"c{i}", "app_id": doc["id"], "origin": V, "hlc": clock_t.now(), "actor": "v",
                             "type": "commented", "payload": {"text": "说明"}})
    ms, _, origin = old.split("-")
    late = [{"id": f"s{i}", "app_id": doc["id"], "origin": V, "hlc": f"{ms}-{i + 1:04d}-{origin}", "actor": "v",
             "type": "supplement_provided",
             "payload": {"materials": [{"sha256": f"{i:064x}", "material": 0, "name": "补正", "size": 1}]}}
            for i in (3, 1, 4, 0, 5, 9, 2, 6, 8, 7, 11, 10)]  # out of order among themselves too
    reads = []
    county.set_trace_callback(lambda sql: reads.append(sql) if "FROM events WHERE app_id" in sql else None)
    with db.transaction(county):
        for event in late[:5]:
            assert apps.ingest(county, event, trusted=True) == "stored"
        with pytest.raises(RuntimeError):
            with db.savepoint(county):
                apps.ingest(county, late[5], trusted=True)
                raise RuntimeError("this message is quarantined: its row and its place in the history go")
        for event in late[6:]:
            assert apps.ingest(county, event, trusted=True) == "stored"
    county.set_trace_callback(None)
    assert len(reads) == 1, reads  # one read for eleven replays, not one each
    stored = apps.events(county, doc["id"])
    assert "s9" not in {e["id"] for e in stored} and len(stored) == 1 + 30 + 11
    got, again = apps.get(county, doc["id"]), model.project(stored)
    assert got["materials"] == again["materials"] and len(got["materials"]) == len(doc["materials"]) + 11
    assert [m["sha256"][-2:] for m in got["materials"][len(doc["materials"]):]] == \
        [f"{i:02x}" for i in range(12) if i != 9]  # HLC order
