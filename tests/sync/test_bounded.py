"""Bounded under abuse (issue 17): what a hostile child floods costs a counter, never a row or an endpoint each.

Same set-up as the hostile suite: a real township process, an honest village beside a hostile one.
"""
import os

from common.node import open_db
from sync import store
from tests.helpers import wait_for
from tests.sync.netutil import count
from tests.sync.test_hostile import T, V2, net, welcomed  # noqa: F401 (the fixture)


def test_a_garbage_flood_is_counted_in_one_row(net):
    cfgs, proc, honest, hostile = net
    welcomed(hostile)
    for _ in range(1000):
        hostile.sock.send(os.urandom(64))
    wait_for(lambda: count(cfgs[T], "SELECT COALESCE(SUM(count), 0) FROM sync_refusals WHERE peer = ?", V2) >= 1000,
             timeout=30, what="every bad frame counted")
    assert count(cfgs[T], "SELECT COUNT(*) FROM sync_refusals WHERE peer = ?", V2) <= 2


def test_live_frames_for_children_that_are_not_there_make_no_links(net):
    cfgs, proc, honest, hostile = net
    welcomed(hostile)
    links_before = count(cfgs[T], "SELECT COUNT(*) FROM sync_links")
    for i in range(200):
        # From the county down (as the hub would send): for villages that do not exist.
        hostile.send("live", to=f"371399101{500 + i:03d}", body={"kind": "presence", "origin": V2})
    rounds = len(honest.latencies)
    wait_for(lambda: len(honest.latencies) >= rounds + 3, timeout=15, what="honest rounds")
    assert count(cfgs[T], "SELECT COUNT(*) FROM sync_links") == links_before


def test_pending_strangers_and_refusals_are_pruned(tmp_path):
    from common.store.db import transaction
    from tests.sync.netutil import make_node, COUNTY
    cfg = make_node(tmp_path, "county", COUNTY)
    conn = open_db(cfg)
    with transaction(conn):
        for i in range(store.MAX_PENDING + 50):
            store.seen_key(conn, f"stranger-key-{i:05d}".ljust(40, "x"), "", "10.0.0.1")
        for i in range(store.MAX_REFUSAL_ROWS + 50):
            store.refuse(conn, f"peer{i}", "bad_frame", "junk")
        store.prune(conn)
    assert count(cfg, "SELECT COUNT(*) FROM sync_nodes WHERE status = 'pending'") == store.MAX_PENDING
    assert count(cfg, "SELECT COUNT(*) FROM sync_refusals") == store.MAX_REFUSAL_ROWS
    conn.close()


def test_a_blob_is_taken_only_at_the_size_its_application_gave(net):
    import hashlib
    cfgs, proc, honest, hostile = net
    welcomed(hostile)
    photo = os.urandom(5000)
    sha = hashlib.sha256(photo).hexdigest()
    hostile.batch(hostile.submitted(cfgs[T], materials=[{"sha256": sha, "material": 0, "name": "身份证",
                                                         "size": len(photo)}]))
    get = next((m for m in hostile.seen if m["t"] == "blob_get"), None) or hostile.expect(("blob_get",))
    hostile.send("blob_chunk", sha=sha, offset=0, total=30 * 1024 * 1024, data=photo[:4000])  # claims 30 MB
    again = hostile.expect(("blob_get",), timeout=15)  # asked again from the start, nothing kept
    assert get and again and again["offset"] == 0
    assert count(cfgs[T], "SELECT have FROM blobs WHERE sha256 = ?", sha) == 0
    hostile.send("blob_chunk", sha=sha, offset=0, total=len(photo), data=photo)
    wait_for(lambda: count(cfgs[T], "SELECT complete FROM blobs WHERE sha256 = ?", sha) == 1, timeout=10,
             what="the blob at its true size")
