"""The county's map says what it knows of the villages (issue 20.13): a township's report of its villages is
only shown as up or down while it is fresh and the township itself is linked; otherwise 'unknown'."""
from common.node import open_db
from common.store import sync_status
from common.store.db import transaction
from sync import store
from tests.helpers import make_node

T, V1, V2 = "371399101", "371399101001", "371399101002"


def test_an_old_report_or_a_silent_township_makes_its_villages_unknown(tmp_path):
    conn = open_db(make_node(tmp_path, "county"))
    with transaction(conn):
        store.set_state(conn, T, "up")
        store.save_subtree(conn, T, [[V1, "up", "", "", 0, 0], [V2, "down", "", "", 3, 0]])
    assert [r["state"] for r in sync_status.subtree(conn)] == ["up", "down"]
    with transaction(conn):  # the report is 89 s old, as when the township stopped
        conn.execute("UPDATE sync_subtree SET reported_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-89 seconds')")
    rows = sync_status.subtree(conn)
    assert [r["state"] for r in rows] == ["unknown", "unknown"] and rows[0]["reported_age_s"] >= 88
    with transaction(conn):
        store.save_subtree(conn, T, [[V1, "up", "", "", 0, 0]])
        store.set_state(conn, T, "down")  # fresh, but from a township whose own link is down
    assert sync_status.subtree(conn)[0]["state"] == "unknown"
