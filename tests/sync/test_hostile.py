"""A tampered village beside an honest one, against a real township process over real CurveZMQ (issue 16).

Each test is one way a hostile child tried to act on its parent's authority. The honest child keeps
applying throughout (tests/sync/peer.py HonestChild) and its ack latency is checked at the end.
"""
import hashlib
import os
import time

import msgpack
import pytest
import zmq

from common.node import open_db, start_new_epoch
from common.store import blobs, meta
from common.store.db import transaction
from sync import store, wire
from tests.helpers import wait_for
from tests.sync.netutil import COUNTY, NodeProcess, count, make_node, public_key
from tests.sync.peer import HonestChild, RawPeer

T, V1, V2, V3 = "371399101", "371399101001", "371399101002", "371399101003"
HONEST_MAX_ACK = 3.0  # seconds: a slow turn of a 2-core machine running two test workers, well below a dead link (6 s)


@pytest.fixture
def net(tmp_path):
    """A township node process, its honest village V1 and hostile village V2 (both enrolled)."""
    cfgs = {"county": make_node(tmp_path, "county", COUNTY)}
    cfgs[T] = make_node(tmp_path, "township", T, cfgs["county"])
    for v in (V1, V2, V3):  # V3: a second honest village, driven by hand where a test needs one
        cfgs[v] = make_node(tmp_path, "village", v, cfgs[T])
    proc = NodeProcess(cfgs[T]).start()
    honest = HonestChild(cfgs[V1], cfgs[T])
    honest.start()
    assert honest.welcomed.wait(15), "the honest child was not welcomed"
    hostile = RawPeer(cfgs[V2], cfgs[T])
    yield cfgs, proc, honest, hostile
    rounds = len(honest.latencies)  # after the attack, the honest child still gets its acks
    wait_for(lambda: len(honest.latencies) >= rounds + 3 or honest.error, timeout=30, what="honest rounds after it")
    hostile.close()
    rounds, p50, worst = honest.stop()
    assert proc.alive(), "the township process died"
    proc.stop()
    assert rounds >= 3 and honest.lost <= honest.allowed_losses, (rounds, honest.lost)
    assert worst < HONEST_MAX_ACK, f"honest ack latency p50 {p50:.3f}s, worst {worst:.3f}s over {rounds} rounds"


def township(cfgs, sql, *args):
    return count(cfgs[T], sql, *args)


def welcomed(hostile, **fields):
    msg = hostile.hello(**fields)
    assert msg and msg["t"] == "welcome", msg
    hostile.seq = msg["up_recv"]
    return msg


def an_honest_app(cfgs, honest):
    wait_for(lambda: honest.sent_ids, timeout=15, what="an honest application")
    app_id = honest.sent_ids[0]
    wait_for(lambda: township(cfgs, "SELECT COUNT(*) FROM applications WHERE id = ? AND state = 'received'", app_id),
             timeout=15, what="the township holds the honest application")
    return app_id


# ---- 1. forging the parent's decisions ---------------------------------------------------------

def test_1_a_claim_to_be_ahead_starts_no_epoch_and_a_forged_decision_is_refused(net):
    cfgs, proc, honest, hostile = net
    conn = open_db(cfgs[T])
    epoch = meta.get(conn, "epoch")
    conn.close()
    welcomed(hostile, up_acked=10 ** 6, down_recv=10 ** 6)
    conn = open_db(cfgs[T])
    assert meta.get(conn, "epoch") == epoch and meta.get(conn, "restore_window_until") is None
    assert store.refusals(conn)[0]["code"] == "claim"
    conn.close()
    victim = an_honest_app(cfgs, honest)
    forged = hostile.event(victim, "not_accepted", {"reason": "伪造"}, origin=T)
    assert hostile.batch(forged) == hostile.seq  # taken off the link, but not applied
    assert township(cfgs, "SELECT COUNT(*) FROM events WHERE id = ?", forged["id"]) == 0
    assert township(cfgs, "SELECT state FROM applications WHERE id = ?", victim) == "received"
    assert township(cfgs, "SELECT COUNT(*) FROM sync_outbox WHERE msg_id = ?", forged["id"]) == 0


def test_1_during_a_real_restore_window_only_events_signed_by_their_origin_are_taken_back(net, tmp_path):
    cfgs, proc, honest, hostile = net
    victim = an_honest_app(cfgs, honest)
    honest.allowed_losses = 2
    conn = open_db(cfgs[T])
    start_new_epoch(conn)  # what `sanji restore` does: only the node's own command opens the window
    conn.close()
    proc.stop()
    proc.start()
    welcomed(hostile)
    forged = hostile.event(victim, "not_accepted", {"reason": "伪造"}, origin=T)   # signed by V2, not T
    unsigned = {k: v for k, v in hostile.event(victim, "commented", {"text": "x"}, origin=T).items() if k != "sig"}
    hostile.batch(forged, unsigned)
    assert township(cfgs, "SELECT COUNT(*) FROM events WHERE id IN (?, ?)", forged["id"], unsigned["id"]) == 0
    # What the township really signed is proved by its own key, and is taken back.
    import nacl.signing
    conn = open_db(cfgs[T])
    own = nacl.signing.SigningKey(bytes.fromhex(meta.get(conn, "sign_seed")))
    conn.close()
    genuine = hostile.event(victim, "commented", {"text": "乡镇的备注"}, origin=T, signer=own)
    hostile.batch(genuine)
    assert township(cfgs, "SELECT COUNT(*) FROM events WHERE id = ?", genuine["id"]) == 1


def test_1_an_event_of_a_sibling_or_with_a_bad_signature_is_refused(net):
    cfgs, proc, honest, hostile = net
    welcomed(hostile)
    victim = an_honest_app(cfgs, honest)
    as_sibling = hostile.event(victim, "withdrawal_requested", {"reason": "x"}, origin=V1)
    mine = hostile.submitted(cfgs[T])
    tampered = dict(mine, payload=dict(mine["payload"], proxy_by="someone"))  # signature no longer matches
    hostile.batch(as_sibling, tampered)
    assert township(cfgs, "SELECT COUNT(*) FROM events WHERE id IN (?, ?)", as_sibling["id"], tampered["id"]) == 0
    assert township(cfgs, "SELECT json_extract(doc, '$.withdrawal_requested') FROM applications WHERE id = ?",
                    victim) == 0
    ok = hostile.submitted(cfgs[T])
    hostile.batch(ok)
    assert township(cfgs, "SELECT COUNT(*) FROM applications WHERE id = ?", ok["app_id"]) == 1


# ---- 2. taking over a sibling's key -------------------------------------------------------------

def test_2_next_key_cannot_be_a_siblings_the_parents_or_garbage_and_only_one_is_pending(net):
    cfgs, proc, honest, hostile = net
    victim_key, parent_key = public_key(cfgs[V1]), public_key(cfgs[T])
    for stolen in (victim_key, parent_key):
        welcomed(hostile, next_key=stolen)
    conn = open_db(cfgs[T])
    assert store.node_by_key(conn, victim_key)["code"] == V1
    assert store.node_by_key(conn, parent_key) is None
    assert [r["code"] for r in store.refusals(conn)].count("next_key") == 1  # recorded once, not per hello
    conn.close()
    assert hostile.hello(next_key="not a key")["code"] == "bad_frame"
    spares = [zmq.curve_keypair()[0].decode() for _ in range(3)]
    for spare in spares:
        welcomed(hostile, next_key=spare)
    conn = open_db(cfgs[T])
    statuses = [store.node_by_key(conn, k)["status"] for k in spares]
    assert statuses == ["revoked", "revoked", "accepted"]
    with transaction(conn):
        store.decide(conn, public_key(cfgs[V2]), "revoked")   # the administrator revokes the stolen kiosk
    assert store.node_by_key(conn, spares[-1])["status"] == "revoked"  # and the key it announced with it
    conn.close()
    # The honest child was served its own subtree throughout (checked by the fixture's ack latency).


# ---- 3. rewriting the item ----------------------------------------------------------------------

@pytest.mark.parametrize("item,changes", [
    ("RS-003", {"decide_tier": "township", "flow": []}),      # a county item made the township's, no steps
    ("RS-003", {"code": "ZZ-999"}),                           # an item that does not exist
    ("MZ-001", {"promised_days": 365}),
    ("MZ-001", {"fee": 500}),
    ("ZJ-003", "drop-branch"),                                # a department dropped from a joint approval
    ("MZ-001", {"version": 999}),                             # a catalog version the parent never published
])
def test_3_a_rewritten_item_snapshot_is_refused(net, item, changes):
    cfgs, proc, honest, hostile = net
    welcomed(hostile)
    if changes == "drop-branch":
        honest_snapshot = hostile.submitted(cfgs[T], item)["payload"]["item"]
        flow = [dict(s) for s in honest_snapshot["flow"]]
        joint = next(s for s in flow if "parallel" in s)
        joint["parallel"] = dict(joint["parallel"], branches=joint["parallel"]["branches"][:-1])
        changes = {"flow": flow}
    event = hostile.submitted(cfgs[T], item, **changes)
    hostile.batch(event)
    assert township(cfgs, "SELECT COUNT(*) FROM applications WHERE id = ?", event["app_id"]) == 0
    reason = township(cfgs, "SELECT reason FROM sync_quarantine WHERE msg_id = ?", event["id"])
    assert "快照" in reason or "目录" in reason, reason
    honest_one = hostile.submitted(cfgs[T], item)
    hostile.batch(honest_one)
    assert township(cfgs, "SELECT COUNT(*) FROM applications WHERE id = ?", honest_one["app_id"]) == 1


# ---- 5. numbers at their extremes ---------------------------------------------------------------

EXTREMES = [2 ** 53, 2 ** 63, 2 ** 64 - 1, -1, -(2 ** 63)]
FIELDS = [("ack", "upto", {}), ("ping", "q", {"ts": 1.0}), ("blob_get", "offset", {"sha": "a" * 64}),
          ("batch", "first", {"last": 1, "n": 1, "z": b""}), ("hello", "down_recv", None)]


@pytest.mark.parametrize("kind,field,others", FIELDS)
def test_5_every_number_at_its_extremes_is_a_bad_frame_and_poisons_nothing(net, kind, field, others):
    cfgs, proc, honest, hostile = net
    welcome = welcomed(hostile)
    for value in EXTREMES:
        if others is None:  # a hello: every field of it
            frame = {"v": 1, "t": "hello", "node": V2, "epoch": "e", "parent_epoch": welcome["epoch"], "up_acked": 0,
                     "up_last": 0, "down_recv": 0, "have": {}, field: value}
        else:
            frame = {"v": 1, "t": kind, **others, field: value}
        hostile.send_map(frame)
        reply = hostile.expect(("error",), timeout=5)
        assert reply and reply["code"] == "bad_frame", (kind, field, value, reply)
    for frame in ({"v": 1, "t": "ping", "ts": float("nan")}, {"v": 1, "t": "ping", "ts": float("inf")},
                  {"v": 1, "t": "ping", "ts": 1.0, "sub": [[V2 + "9", "up", "", "", 2 ** 64 - 1, 0]] * 1001},
                  {"v": 1, "t": "hello", "node": "x" * 10_000, "epoch": "e", "parent_epoch": "", "up_acked": 0,
                   "up_last": 0, "down_recv": 0, "have": {"catalog": 2 ** 64 - 1}}):
        hostile.send_map(frame)
        reply = hostile.expect(("error",), timeout=5)
        assert reply and reply["code"] == "bad_frame", frame["t"]
    welcomed(hostile)
    assert hostile.batch(hostile.submitted(cfgs[T])) == hostile.seq


# ---- 6. re-exporting on demand ------------------------------------------------------------------

def test_6_a_new_epoch_in_every_hello_does_not_grow_the_outbox(net):
    cfgs, proc, honest, hostile = net
    welcomed(hostile, epoch="first")
    for _ in range(3):
        hostile.batch(hostile.submitted(cfgs[T]))
    sizes = []
    for i in range(20):
        welcomed(hostile, epoch=f"restored-{i}", up_acked=0)
        sizes.append(township(cfgs, "SELECT COUNT(*) FROM sync_outbox WHERE link = ?", V2))
    assert sizes[0] >= 3 and len(set(sizes)) == 1, sizes


# ---- 7. reading outside its subtree -------------------------------------------------------------

def test_7_blobs_are_served_only_to_their_subtree_and_taken_only_from_their_source(net):
    cfgs, proc, honest, hostile = net
    data = os.urandom(300 * 1024)
    sha = hashlib.sha256(data).hexdigest()
    conn = open_db(cfgs[T])
    with transaction(conn):
        blobs.put(conn, cfgs[T].data_dir, data)   # a photo of V1's, held at the township
    conn.close()
    victim = an_honest_app(cfgs, honest)
    conn = open_db(cfgs[T])
    with transaction(conn):
        conn.execute("INSERT INTO blob_refs (sha256, app_id) VALUES (?, ?)", (sha, victim))
    conn.close()
    welcomed(hostile)
    hostile.send("blob_get", sha=sha, offset=0)
    reply = hostile.expect(("blob_chunk", "blob_missing"))
    assert reply["t"] == "blob_missing"
    # A blob the township wants from V2 is pulled from V2 only; chunks pushed for another's are dropped.
    wanted = os.urandom(1000)
    event = hostile.submitted(cfgs[T], materials=[{"sha256": hashlib.sha256(wanted).hexdigest(), "material": 0,
                                                   "name": "身份证", "size": 1000}])
    other = os.urandom(1000)
    other_sha = hashlib.sha256(other).hexdigest()
    conn = open_db(cfgs[T])
    with transaction(conn):
        blobs.want(conn, other_sha, V1)
    conn.close()
    hostile.batch(event)
    hostile.send("blob_chunk", sha=other_sha, offset=0, total=1000, data=other)
    get = next((m for m in hostile.seen if m["t"] == "blob_get"), None) or hostile.expect(("blob_get",), timeout=5)
    assert get and get["sha"] == hashlib.sha256(wanted).hexdigest()
    hostile.send("blob_chunk", sha=get["sha"], offset=0, total=1000, data=wanted)
    wait_for(lambda: township(cfgs, "SELECT complete FROM blobs WHERE sha256 = ?", get["sha"]) == 1, timeout=10,
             what="V2's own blob pulled from V2")
    assert township(cfgs, "SELECT have FROM blobs WHERE sha256 = ?", other_sha) == 0


# ---- 8. speaking in another tier's name through live frames --------------------------------------

def test_8_live_frames_of_the_hub_from_a_village_are_dropped(net):
    cfgs, proc, honest, hostile = net
    welcomed(hostile)
    for origin in (V2, COUNTY):
        hostile.send("live", to=V1, body={"kind": "consult.update", "origin": origin, "pid": "kiosk:1",
                                           "state": "ringing"})
    hostile.send("live", to=V1, body={"kind": "unheard-of", "origin": V2, "pid": "kiosk:1"})
    hostile.send("live", to=V1, body={"kind": "signal", "origin": V2, "sid": "s", "type": "offer"})  # not to the hub
    rounds = len(honest.latencies)
    wait_for(lambda: len(honest.latencies) >= rounds + 5, timeout=15, what="the honest child's next rounds")
    assert [m for m in honest.peer.seen if m["t"] == "live"] == []


# ---- and its own subtree's events carry only values the parent's code would make ----------------

@pytest.mark.parametrize("kind,payload", [
    ("warning_raised", {"level": "purple"}),      # the county's sweep knows yellow and red only
    ("warning_raised", {"level": "red"}),         # and only the county's supervision raises one
    ("rated", {"level": 9, "channel": "kiosk"}),
    ("rated", {"level": 5, "channel": "kiosk", "staff": "x" * 10_000}),
    ("supplement_provided", {"materials": [{"sha256": "not-a-sha"}]}),
    ("callback_booked", {"kind": "anything"}),
])
def test_9_its_own_commutative_events_are_checked_too(net, kind, payload):
    cfgs, proc, honest, hostile = net
    welcomed(hostile)
    mine = hostile.submitted(cfgs[T])
    hostile.batch(mine)
    bad = hostile.event(mine["app_id"], kind, payload)
    hostile.batch(bad)
    assert township(cfgs, "SELECT COUNT(*) FROM events WHERE id = ?", bad["id"]) == 0
    assert township(cfgs, "SELECT COUNT(*) FROM sync_quarantine WHERE msg_id = ?", bad["id"]) == 1


# ---- 4. crashing the parent process --------------------------------------------------------------

def test_4_a_child_that_floods_and_dies_without_reading_does_not_take_the_parent_down(net):
    """libzmq 4.3.4/4.3.5 abort (issue 4841) when a ZMTP heartbeat fires on a reset connection."""
    import subprocess
    import sys
    cfgs, proc, honest, hostile = net
    endpoint = f"tcp://127.0.0.1:{cfgs[T]['sync_port']}"
    for _ in range(3):
        flood = subprocess.run([sys.executable, "-m", "tests.sync.flood_child", str(cfgs[V2].keys_dir),
                                str(cfgs[T].keys_dir / "node.key"), endpoint, "4"], timeout=60)
        assert flood.returncode == 0
        rounds = len(honest.latencies)
        # Past the 5 s heartbeat interval after the reset: where the old options aborted the process.
        # Served for longer than the old 5 s ZMTP heartbeat after the reset, when the process aborted.
        until = time.monotonic() + 7
        wait_for(lambda: (len(honest.latencies) >= rounds + 5 and time.monotonic() > until) or not proc.alive(),
                 timeout=30, what="the honest child served after the flood")
        assert proc.alive(), proc.log.read_text()[-1000:]
    # And the flood of hellos with an empty `have` queued the catalog and calendar once, not per hello.
    assert township(cfgs, "SELECT COUNT(*) FROM sync_outbox WHERE link = ? AND kind = 'catalog'", V2) == 1


# ---- found by attacking the above ----------------------------------------------------------------

def test_10_a_child_dated_in_the_future_moves_neither_the_parents_clock_nor_its_dates(net):
    cfgs, proc, honest, hostile = net
    welcomed(hostile)
    mine = hostile.submitted(cfgs[T])
    hostile.batch(mine)
    ahead = hostile.event(mine["app_id"], "commented", {"text": "x"}, hlc_ms=int(time.time() * 1000) + 23 * 3600_000)
    ahead = hostile.sign(dict(ahead, hlc=ahead["hlc"].replace("-0000-", "-9999-")))
    hostile.batch(ahead)
    assert township(cfgs, "SELECT COUNT(*) FROM events WHERE id = ?", ahead["id"]) == 0
    rounds = len(honest.latencies)
    wait_for(lambda: len(honest.latencies) >= rounds + 2, timeout=15, what="more honest rounds")
    newest = township(cfgs, "SELECT MAX(hlc) FROM events WHERE origin = ?", T)
    assert int(newest[:13]) < time.time() * 1000 + 60_000 and newest.split("-")[1] != "9999", newest


def test_11_in_a_restore_window_a_child_still_cannot_touch_a_siblings_application(net):
    cfgs, proc, honest, hostile = net
    victim = an_honest_app(cfgs, honest)
    honest.allowed_losses = 2
    conn = open_db(cfgs[T])
    start_new_epoch(conn)
    conn.close()
    proc.stop()
    proc.start()
    welcomed(hostile)
    sneaky = [hostile.event(victim, kind, payload) for kind, payload in (
        ("withdrawal_requested", {"reason": "不办了"}), ("sms_opted_out", {}), ("callback_booked", {"kind": "callback"}))]
    hostile.batch(*sneaky)
    assert township(cfgs, "SELECT COUNT(*) FROM events WHERE app_id = ? AND origin = ?", victim, V2) == 0


def test_12_refused_bodies_are_kept_small_and_oversized_batches_refused_whole(net):
    cfgs, proc, honest, hostile = net
    welcomed(hostile)
    db_size = lambda: sum(f.stat().st_size for f in cfgs[T].data_dir.glob("*.db*"))
    before = db_size()
    junk = [(hostile.seq + 1 + i, "catalog", f"catalog-{i}", "", msgpack.packb({"version": 1, "pad": "A" * 6000}))
            for i in range(500)]
    hostile.sock.send(wire.pack_batch(junk))      # 3 MB of bodies in one 40 KB frame
    reply = hostile.expect(("error", "ack"))
    assert reply["t"] == "error" and reply["code"] == "too_big"
    for k in range(3):                            # within the limits: each refused body is kept short
        first = hostile.seq + 1
        entries = [(first + i, "catalog", f"catalog-{k}-{i}", "", msgpack.packb({"version": 1, "pad": "A" * 6000}))
                   for i in range(150)]
        hostile.sock.send(wire.pack_batch(entries))
        assert hostile.expect(("ack",))["upto"] == first + 149
        hostile.seq = first + 149
    assert township(cfgs, "SELECT MAX(length(body)) FROM sync_quarantine") <= store.QUARANTINE_KEEP
    assert db_size() - before < 6 * 1024 * 1024, db_size() - before  # 2.7 MB of refused bodies, kept to retry


def test_13_late_events_cost_one_replay_each_at_most_and_never_stall_the_link(net):
    cfgs, proc, honest, hostile = net
    welcomed(hostile)
    mine = hostile.submitted(cfgs[T])
    hostile.batch(mine)
    old_ms = int(mine["hlc"][:13]) - 60_000   # older than the application itself: late
    started = time.monotonic()
    for _ in range(4):
        late = [hostile.event(mine["app_id"], "commented", {"text": "迟到"}, hlc_ms=old_ms) for _ in range(450)]
        assert hostile.batch(*late, timeout=10) == hostile.seq
    assert time.monotonic() - started < 10
    rated = [hostile.event(mine["app_id"], "rated", {"level": 5, "channel": "kiosk"}, hlc_ms=old_ms) for _ in range(80)]
    assert hostile.batch(*rated, timeout=10) == hostile.seq
    assert township(cfgs, "SELECT COUNT(*) FROM events WHERE app_id = ? AND type = 'rated'", mine["app_id"]) == 50


def test_14_a_submission_that_cannot_be_stored_is_quarantined_not_wedging_the_link(net):
    cfgs, proc, honest, hostile = net
    welcomed(hostile)
    for name in (["赵六"], {"a": "b"}, 12345, "赵\u202e六"):
        event = hostile.submitted(cfgs[T])
        event = hostile.sign(dict(event, payload=dict(event["payload"], applicant=dict(event["payload"]["applicant"],
                                                                                          name=name))))
        assert hostile.batch(event) == hostile.seq
        assert township(cfgs, "SELECT COUNT(*) FROM applications WHERE id = ?", event["app_id"]) == 0
    ok = hostile.submitted(cfgs[T])
    assert hostile.batch(ok) == hostile.seq
    assert township(cfgs, "SELECT COUNT(*) FROM applications WHERE id = ?", ok["app_id"]) == 1


def test_15_live_frames_only_to_this_networks_hub_and_small(net):
    cfgs, proc, honest, hostile = net
    welcomed(hostile)
    hostile.send("live", to="999999", body={"kind": "presence", "origin": V2})
    hostile.send("live", to=COUNTY, body={"kind": "signal", "origin": V2, "data": "x" * 100_000})
    reply = hostile.expect(("error",))
    assert reply["code"] == "too_big"
    assert township(cfgs, "SELECT COUNT(*) FROM sync_outbox WHERE link = 'up' AND kind = 'live'") == 0


def test_16_a_child_that_names_anothers_photo_first_cannot_keep_it_from_arriving(net):
    cfgs, proc, honest, hostile = net
    photo = os.urandom(2000)
    sha = hashlib.sha256(photo).hexdigest()
    material = [{"sha256": sha, "material": 0, "name": "身份证", "size": len(photo)}]
    welcomed(hostile)
    hostile.batch(hostile.submitted(cfgs[T], materials=material))   # V2 names it first and never has it
    holder = RawPeer(cfgs[V3], cfgs[T])
    try:
        assert holder.hello()["t"] == "welcome"
        holder.batch(holder.submitted(cfgs[T], materials=material))
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not township(cfgs, "SELECT complete FROM blobs WHERE sha256 = ?", sha):
            for peer, data in ((hostile, None), (holder, photo)):
                msg = peer.recv(0.2)
                gets = [m for m in [msg, *peer.seen] if m and m.get("t") == "blob_get"]
                peer.seen.clear()
                for get in gets:
                    if data is None:
                        peer.send("blob_missing", sha=get["sha"], reason="lost it")
                    else:
                        peer.send("blob_chunk", sha=get["sha"], offset=0, total=len(data), data=data)
        assert township(cfgs, "SELECT complete FROM blobs WHERE sha256 = ?", sha) == 1
    finally:
        holder.close()
