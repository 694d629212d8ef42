"""Item snapshots are stored once (common/store/item_snapshots.py): projections name them by digest."""
import json
from datetime import date

from common.hlc import Clock
from common.jsontext import dumps
from common import signing
from common.node import migrations_for, open_db
from common.replication import Replicator
from common.store import applications, catalog, item_snapshots
from common.store.db import migrate, transaction
from common.tiers import load_tier
from county_hub import queues
from tests.helpers import CODES, make_node
from tests.village_kiosk.test_status import APPLICANT

V = CODES["village"]


FORMS = {"MZ-002": {"reason": "突发疾病", "amount": "800"}, "MZ-001": {"bank_account": "622202123456789012"}}


def submit_some(conn, n, code="MZ-002"):
    item, clock = catalog.item(conn, code), Clock(V)
    return [applications.submit(conn, clock, V, "kiosk", item, APPLICANT, FORMS[code]) for _ in range(n)]


def test_many_applications_of_one_item_share_one_stored_snapshot(tmp_path):
    conn = open_db(make_node(tmp_path, "county"))
    docs = submit_some(conn, 20)
    assert conn.execute("SELECT COUNT(*) FROM item_snapshots").fetchone()[0] == 1
    row = json.loads(conn.execute("SELECT doc FROM applications LIMIT 1").fetchone()[0])
    assert set(row["item"]) == {"code", "department", "ref"} and row["item"]["code"] == "MZ-002"
    # Every way a projection is read gives it whole, equal to what was submitted.
    again = applications.get(conn, docs[3]["id"])
    assert again["item"] == docs[3]["item"] and again["item"]["flow"] and again["item"]["materials"]
    assert applications.find(conn, docs[5]["tracking_code"])[0]["item"] == docs[5]["item"]
    day = docs[0]["submitted_on"]
    assert {d["id"]: d["item"] for d in queues.for_period(conn, date.fromisoformat(day), date.fromisoformat(day))} \
        == {d["id"]: d["item"] for d in docs}
    # The department a list filters on is still a column of the row.
    assert conn.execute("SELECT COUNT(*) FROM applications WHERE department = 'MZ'").fetchone()[0] == 20


def test_a_fresh_process_reads_the_snapshot_from_the_database(tmp_path):
    cfg = make_node(tmp_path, "county")
    conn = open_db(cfg)
    doc = submit_some(conn, 1)[0]
    conn.close()
    item_snapshots._texts.clear()  # what a restarted node holds
    conn = open_db(cfg)
    assert applications.get(conn, doc["id"])["item"] == doc["item"]


def test_the_migration_moves_the_snapshots_of_a_database_made_by_the_previous_version(tmp_path):
    conn = open_db(make_node(tmp_path, "county"))
    docs = submit_some(conn, 7) + submit_some(conn, 5, "MZ-001")
    whole = {d["id"]: applications.get(conn, d["id"]) for d in docs}
    with transaction(conn):  # the database as the previous version left it: whole snapshots in every row
        for app_id, doc in whole.items():
            conn.execute("UPDATE applications SET doc = ? WHERE id = ?", (dumps(doc), app_id))
        conn.execute("DROP TABLE item_snapshots")
        conn.execute("DELETE FROM schema_migrations WHERE name = '0024_item_snapshots'")
    before = conn.execute("SELECT SUM(LENGTH(doc)) FROM applications").fetchone()[0]
    item_snapshots._texts.clear()
    assert migrate(conn, migrations_for(load_tier("county"))) == ["0024_item_snapshots"]
    after = conn.execute("SELECT SUM(LENGTH(doc)) FROM applications").fetchone()[0]
    assert after < before * 0.75
    assert conn.execute("SELECT COUNT(*) FROM item_snapshots").fetchone()[0] == len({d["item"]["code"] for d in docs})
    assert {i: applications.get(conn, i) for i in whole} == whole


def test_a_submissions_event_is_stored_with_a_reference_and_read_back_signed_as_it_was(tmp_path):
    cfg = make_node(tmp_path, "village")
    conn = open_db(cfg)
    doc = submit_some(conn, 1)[0]
    stored = json.loads(conn.execute("SELECT payload FROM events WHERE type = 'submitted'").fetchone()[0])
    assert set(stored["item"]) == {"ref"}
    (event,) = applications.events(conn, doc["id"])
    assert event["payload"]["item"] == doc["item"]
    # What is offered to a restored parent is the event as it was signed.
    ((_, _, _, offered),) = list(Replicator(cfg["code"], None).export_events(conn, ""))
    assert offered["payload"] == event["payload"]
    signing.check(conn, offered)
    # The same event arriving again is a duplicate, not a conflict.
    assert applications.ingest(conn, offered, trusted=True, route=False) == "duplicate"


def test_the_migration_moves_the_snapshots_out_of_stored_submissions(tmp_path):
    conn = open_db(make_node(tmp_path, "county"))
    docs = submit_some(conn, 4) + submit_some(conn, 3, "MZ-001")
    whole = {d["id"]: applications.events(conn, d["id"]) for d in docs}
    with transaction(conn):  # as the previous version stored them
        for events in whole.values():
            conn.execute("UPDATE events SET payload = ? WHERE id = ?", (dumps(events[0]["payload"]), events[0]["id"]))
        conn.execute("DELETE FROM schema_migrations WHERE name = '0025_event_item_snapshots'")
    before = conn.execute("SELECT SUM(LENGTH(payload)) FROM events").fetchone()[0]
    assert migrate(conn, migrations_for(load_tier("county"))) == ["0025_event_item_snapshots"]
    assert conn.execute("SELECT SUM(LENGTH(payload)) FROM events").fetchone()[0] < before * 0.4
    assert {i: applications.events(conn, i) for i in whole} == whole
