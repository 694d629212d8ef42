"""A township cannot forge the county's 督办 (issue 20.11): claiming the county's origin, or its own."""
from common.hlc import Clock
from common.node import open_db, shared_clock
from common.replication import Replicator
from tests.helpers import CODES, make_node

C, T = CODES["county"], CODES["township"]


def test_a_township_cannot_send_up_an_urge_in_the_countys_name(tmp_path):
    cfg = make_node(tmp_path, "county")
    conn = open_db(cfg)
    rep = Replicator(C, shared_clock(conn, {"code": C}))
    forged = {"id": "u-forged", "app_id": "app-x", "origin": C, "hlc": Clock(C).now(), "actor": "sup1", "type": "urged",
              "payload": {"kind": "duban", "note": "立即批准", "level": "red", "office": C, "departments": ["RS"]}}
    assert rep.origin_problem(conn, "event", forged, T)  # refused: the origin is outside the township's subtree
    assert rep.origin_problem(conn, "event", dict(forged, origin=T), T) is None  # (then check_shape refuses it)
    conn.close()
