"""Rotating a child's key and a parent's key without losing the link or any data."""
from sync import keys, store
from sync.service import SyncService
from tests.helpers import wait_for
from tests.sync.netutil import COUNTY, count, make_node, open_db, public_key, submit_many

T, V = "371399101", "371399101001"


def status_of(cfg, public):
    conn = open_db(cfg)
    try:
        return store.node_by_key(conn, public)["status"]
    finally:
        conn.close()


def arrived(town, n):
    return lambda: count(town, "SELECT COUNT(*) FROM applications") == n


def test_child_key_rotation_is_announced_then_taken_over(tmp_path):
    county = make_node(tmp_path, "county", COUNTY)
    town = make_node(tmp_path, "township", T, county)
    village = make_node(tmp_path, "village", V, town)
    old = public_key(village)
    parent = SyncService(town, heartbeat=0.5)
    parent.start()
    try:
        new = keys.prepare_next(village.keys_dir)           # sanji keys rotate
        child = SyncService(village, heartbeat=0.5)
        child.start()
        submit_many(village, 3)
        wait_for(arrived(town, 3), timeout=30, what="first applications")
        wait_for(lambda: status_of(town, new) == "accepted", timeout=10, what="next key pre-accepted")
        assert status_of(town, old) == "accepted"
        child.stop()
        assert keys.activate(village.keys_dir) == new       # sanji keys activate
        child = SyncService(village, heartbeat=0.5)
        child.start()
        submit_many(village, 4)
        wait_for(arrived(town, 7), timeout=30, what="applications over the new key")
        assert status_of(town, old) == "revoked" and status_of(town, new) == "accepted"
        child.stop()
    finally:
        parent.stop()


def test_parent_key_rotation_children_follow_the_announced_key(tmp_path):
    county = make_node(tmp_path, "county", COUNTY)
    town = make_node(tmp_path, "township", T, county)
    village = make_node(tmp_path, "village", V, town)
    new = keys.prepare_next(town.keys_dir)                   # the township announces its next key
    parent = SyncService(town, heartbeat=0.5)
    child = SyncService(village, heartbeat=0.5)
    parent.start()
    child.start()
    try:
        submit_many(village, 2)
        wait_for(arrived(town, 2), timeout=30, what="first applications")
        trusted = (village.keys_dir / "parent.keys").read_text().split()
        assert trusted[-1] == new and len(trusted) == 2
        parent.stop()
        keys.activate(town.keys_dir)
        parent = SyncService(town, heartbeat=0.5)
        parent.start()
        submit_many(village, 3)
        wait_for(arrived(town, 5), timeout=60, what="the village found the new parent key")
        assert (village.keys_dir / "parent.keys").read_text().split()[0] == new
    finally:
        child.stop()
        parent.stop()
