"""Places' names travel the links (issue 20.12): up in a ping when they change, down in the welcome."""
from common.hlc import Clock
from common.node import open_db, shared_clock
from common.replication import Replicator
from common.store import meta, places
from common.store.db import transaction
from sync import wire
from sync.child import ChildProtocol
from sync.parent import ParentProtocol
from tests.sync.netutil import COUNTY, make_network, public_key
from tests.sync.test_protocol import Link

T, V1 = "371399101", "371399101001"


def _protocols(cfgs, upper, lower):
    (up, pc), (low, cc) = ((cfgs[k], open_db(cfgs[k])) for k in (upper, lower))
    upper, lower = up["code"], low["code"]
    parent = ParentProtocol(pc, upper, Replicator(upper, shared_clock(pc, {"code": upper})), up.data_dir)
    child = ChildProtocol(cc, lower, Replicator(lower, Clock(lower)), low.data_dir)
    return pc, cc, Link(parent, child, public_key(low))


def _ping_up(link, lower):
    """The child's heartbeat, carried to the parent and saved there as its stats are."""
    link.to_parent(link.child.ep.ping())
    link.parent.endpoint(lower).flush_stats(every=0)


def test_names_reach_the_county_from_the_villages_and_the_kiosk_from_the_county(tmp_path):
    cfgs = make_network(tmp_path, villages=1)
    tc, vc, village_link = _protocols(cfgs, T, V1)
    cc, tc2, township_link = _protocols(cfgs, "county", T)
    for conn, name in ((vc, "东岭村"), (tc, "石桥镇"), (cc, "示范县")):
        with transaction(conn):
            meta.put(conn, "name", name)
    township_link.pump()  # the township learns the county's name from its welcome
    assert places.names(tc2)[COUNTY] == "示范县"
    village_link.pump()
    assert places.names(vc) == {V1: "东岭村", T: "石桥镇", COUNTY: "示范县"}  # the kiosk's 发布：示范县
    _ping_up(village_link, V1)
    assert places.names(tc)[V1] == "东岭村"
    _ping_up(township_link, T)
    assert places.names(cc) == {COUNTY: "示范县", T: "石桥镇", V1: "东岭村"}
    # Told once: the next heartbeat carries no names, until one changes.
    assert "names" not in wire.decode(village_link.child.ep.ping())
    with transaction(vc):
        meta.put(vc, "name", "东岭新村")
    assert wire.decode(village_link.child.ep.ping())["names"] == {V1: "东岭新村"}


def test_a_child_names_only_its_own_subtree_and_a_parent_only_its_ancestry(tmp_path):
    cfgs = make_network(tmp_path, villages=1)
    tc, vc, link = _protocols(cfgs, T, V1)
    link.pump()
    frame = wire.encode("ping", ts=Clock(V1).wall_ms() / 1000,
                        names={V1: "  东岭\n村 ", "371399101002": "别人的村", T: "冒名的乡镇", "x": "y", V1 + "0": 5})
    link.to_parent(frame)
    link.parent.endpoint(V1).flush_stats(every=0)
    known = places.names(tc)
    assert known.get(V1) == "东岭 村" and "371399101002" not in known and known[T] != "冒名的乡镇"
    assert places.clean({V1: "长" * 100}) == [(V1, "长" * places.NAME_MAX)]


def test_a_name_learned_after_a_childs_welcome_goes_down_in_a_ping(tmp_path):
    cfgs = make_network(tmp_path, villages=1)
    tc, vc, village_link = _protocols(cfgs, T, V1)
    cc, _, township_link = _protocols(cfgs, "county", T)
    with transaction(cc):
        meta.put(cc, "name", "示范县")
    village_link.pump()  # welcomed before the township knows its county's name
    assert COUNTY not in places.names(vc)
    township_link.pump()
    assert places.names(tc)[COUNTY] == "示范县"
    down = village_link.parent.endpoint(V1)
    for back in village_link.child.handle(down.ping()):
        village_link.to_parent(back)
    village_link.child.ep.flush_stats(every=0)
    assert places.names(vc)[COUNTY] == "示范县"
    assert "names" not in wire.decode(down.ping())  # told once
