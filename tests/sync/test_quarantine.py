"""Quarantine: bounded per link, and what an administrator does with it (list, show, retry, drop; audited)."""
import msgpack

from common.node import open_db, shared_clock
from common.store.db import transaction
from sync import quarantine, store
from tests.sync.test_protocol import T, V1, net, submit  # noqa: F401 (the fixture)


def test_a_link_that_floods_refusals_keeps_only_their_start(tmp_path):
    from tests.sync.netutil import COUNTY, make_node
    conn = open_db(make_node(tmp_path, "county", COUNTY))
    body = b"x" * 60_000
    with transaction(conn):
        for i in range(store.QUARANTINE_LINK_BYTES // len(body) + 5):
            store.quarantine(conn, "371399101", i + 1, "event", f"m{i}", body, "refused")
        store.quarantine(conn, "371399102", 1, "event", "other", body, "refused")  # another link is not cut
    sizes = [r[0] for r in conn.execute("SELECT length(body) FROM sync_quarantine WHERE link = '371399101' ORDER BY id")]
    assert sizes[0] == len(body) and sizes[-1] == store.QUARANTINE_PREFIX
    total = conn.execute("SELECT SUM(length(body)) FROM sync_quarantine WHERE link = '371399101'").fetchone()[0]
    assert total < store.QUARANTINE_LINK_BYTES + 2 * len(body)
    assert conn.execute("SELECT length(body) FROM sync_quarantine WHERE link = '371399102'").fetchone()[0] == len(body)


def test_a_message_quarantined_for_a_reason_since_mended_is_retried_and_one_that_is_not_stays(net):
    cfgs, tc, vc, link = net
    (doc,) = submit(vc, V1, 1)
    link.to_parent(link.child.hello())
    rows = [r for r in __import__("common.store.outbox", fromlist=["x"]).pending(vc, "up", 0, 10)]
    event = msgpack.unpackb(rows[0]["body"])
    with transaction(tc):  # as if it had come while the township lacked something it needed
        store.quarantine(tc, V1, 99, "event", event["id"], rows[0]["body"], "NotFound: catalog version")
        store.quarantine(tc, V1, 100, "event", "forged", msgpack.packb(dict(event, id="forged", origin=T)), "origin")
    good, bad = [r["id"] for r in sorted(store.quarantined(tc), key=lambda r: r["seq"])]
    assert quarantine.show(tc, good)["decoded"]["id"] == event["id"]
    clock = shared_clock(tc, {"code": T})
    assert quarantine.retry(tc, T, clock, good, "admin") == "applied"
    assert tc.execute("SELECT COUNT(*) FROM applications WHERE id = ?", (doc["id"],)).fetchone()[0] == 1
    try:
        quarantine.retry(tc, T, clock, bad, "admin")
        raise AssertionError("a forged origin was let in")
    except Exception as exc:
        assert "still refused" in str(exc) or "outside" in str(exc)
    quarantine.drop(tc, bad, "admin")
    assert store.quarantine_count(tc) == 0
    actions = [r[0] for r in tc.execute("SELECT action FROM audit_log WHERE action LIKE 'sync.quarantine%'")]
    assert sorted(actions) == ["sync.quarantine_dropped", "sync.quarantine_retried"]


def test_the_quarantine_commands(tmp_path):
    from tests.cli.test_node_process import sanji
    from tests.sync.netutil import COUNTY, make_node
    cfg = make_node(tmp_path, "county", COUNTY)
    data = str(cfg.data_dir)
    assert "nothing is quarantined" in sanji("sync", "quarantine", "list", "--data", data).stdout
    conn = open_db(cfg)
    with transaction(conn):
        store.quarantine(conn, "371399101", 7, "event", "e-1", msgpack.packb({"id": "e-1"}), "ValidationError: x")
    (qid,) = [r["id"] for r in store.quarantined(conn)]
    listed = sanji("sync", "quarantine", "list", "--data", data)
    assert "e-1" in listed.stdout and "ValidationError" in listed.stdout
    assert '"id": "e-1"' in sanji("sync", "quarantine", "show", str(qid), "--data", data).stdout
    r = sanji("sync", "quarantine", "retry", str(qid), "--data", data)
    assert r.returncode != 0 and store.quarantine_count(conn) == 1   # still bad: it stays, with a clear error
    assert "dropped" in sanji("sync", "quarantine", "drop", str(qid), "--data", data).stdout
    assert store.quarantine_count(conn) == 0
    assert sanji("sync", "quarantine", "show", "999", "--data", data).returncode != 0
    conn.close()


def test_refusal_and_stranger_tables_are_bounded_as_rows_arrive_not_only_by_the_periodic_prune(tmp_path):
    from common.node import open_db
    from common.store.db import transaction
    from sync import store
    from tests.sync.netutil import make_node
    cfg = make_node(tmp_path, "township", "371399101")
    conn = open_db(cfg)
    with transaction(conn):
        for i in range(store.MAX_PENDING + 400):
            store.seen_key(conn, f"{i:040d}", "", "10.0.0.9")
        for i in range(store.MAX_REFUSAL_ROWS + 400):
            store.refuse(conn, f"peer-{i}", "bad_frame", "garbage")
    pending = conn.execute("SELECT COUNT(*) FROM sync_nodes WHERE status = 'pending'").fetchone()[0]
    assert pending <= store.MAX_PENDING + store.PRUNE_SLACK + 1
    assert conn.execute("SELECT COUNT(*) FROM sync_refusals").fetchone()[0] <= store.MAX_REFUSAL_ROWS + store.PRUNE_SLACK + 1
    assert store.node_by_key(conn, f"{store.MAX_PENDING + 399:040d}") is not None  # the newest is kept
