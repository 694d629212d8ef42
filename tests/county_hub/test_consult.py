"""The hub's consult state machine on a test-driven clock: ringing in turn, timeouts, presence, cancel."""
import pytest

from common.domain.consults import serves_of, target_of
from county_hub import consult as c

T = "371399101"
V = "371399101001"


def staff(m, key, serves, now, status="available"):
    return c.heartbeat(m, key, key.split("/")[1], serves, status, now)


def session(target="dept:MZ", now=0.0, sid="s1"):
    return c.Session(sid=sid, node=V, pid="kiosk-abc", target=target, created=now, app_id="a1", item="MZ-003")


def kinds(effects):
    return [(e[0], e[1] if e[0] == "staff" else e[1].sid, e[2]["state"] if len(e) > 2 else None) for e in effects]


def test_the_longest_idle_rings_first_and_a_ring_out_moves_on_and_pauses():
    m = {}
    staff(m, "371399/mz1", {"dept:MZ"}, now=0)
    staff(m, "371399/mz2", {"dept:MZ"}, now=5)
    staff(m, "371399/rs1", {"dept:RS"}, now=1)
    s = session(now=10)
    sessions = {"s1": s}
    fx = c.tick(sessions, m, 10)
    assert s.state == "ringing" and s.ringing == "371399/mz1"  # idle since 0, before mz2 (5); rs1 does not serve MZ
    assert ("staff", "371399/mz1", "ringing") in kinds(fx) and ("kiosk", "s1", "ringing") in kinds(fx)
    for who in ("371399/mz1", "371399/mz2"):
        staff(m, who, {"dept:MZ"}, now=20)  # heartbeats keep them present
    assert c.tick(sessions, m, 10 + c.RING_SECONDS - 0.1) == []  # still ringing
    fx = c.tick(sessions, m, 10 + c.RING_SECONDS)
    assert m["371399/mz1"].status == "paused" and s.ringing == "371399/mz2"
    assert ("staff", "371399/mz1", "missed") in kinds(fx) and ("staff", "371399/mz2", "ringing") in kinds(fx)
    staff(m, "371399/mz2", {"dept:MZ"}, now=30)
    fx = c.tick(sessions, m, 10 + 2 * c.RING_SECONDS)
    assert s.state == "unanswered" and s.reason == "no_answer"  # everyone tried: the kiosk offers a callback
    assert kinds(fx)[-1] == ("kiosk", "s1", "unanswered")
    assert m["371399/mz2"].status == "paused" and not m["371399/mz2"].session


def test_nobody_serving_is_unanswered_at_once_and_busy_staff_make_it_wait_then_give_up():
    m = {}
    staff(m, "371399/rs1", {"dept:RS"}, now=0)
    s = session(now=0)
    c.tick({"s1": s}, m, 0)
    assert (s.state, s.reason) == ("unanswered", "nobody")
    staff(m, "371399/mz1", {"dept:MZ"}, now=0)
    busy, waiting = session(now=0, sid="b"), session(now=1, sid="w")
    sessions = {"b": busy, "w": waiting}
    c.tick(sessions, m, 1)
    assert busy.state == "ringing" and waiting.state == "queued"  # first come, first rung
    c.apply(busy, "accept", "371399/mz1", m, 2)
    c.apply(busy, "connected", "kiosk", m, 3)
    for t in (30, 60, 90):  # a long call: the only MZ approver stays busy
        staff(m, "371399/mz1", {"dept:MZ"}, now=t)
        c.tick(sessions, m, t)
    assert waiting.state == "queued"
    fx = c.tick(sessions, m, 1 + c.QUEUE_SECONDS)
    assert (waiting.state, waiting.reason) == ("unanswered", "busy") and kinds(fx) == [("kiosk", "w", "unanswered")]


def test_presence_expires_after_silence_and_a_silent_ringing_console_is_skipped():
    m = {}
    staff(m, f"{T}/win1", {f"township:{T}"}, now=0)
    staff(m, f"{T}/win2", {f"township:{T}"}, now=1)
    assert [x.key for x in c.online(m, c.PRESENCE_SECONDS)] == [f"{T}/win1", f"{T}/win2"]
    assert [x.key for x in c.online(m, c.PRESENCE_SECONDS + 0.5)] == [f"{T}/win2"]
    assert c.expire(m, c.PRESENCE_SECONDS + 0.5) == [f"{T}/win1"] and list(m) == [f"{T}/win2"]
    s = session(target=f"township:{T}", now=2)
    sessions = {"s1": s}
    c.tick(sessions, m, 2)
    assert s.ringing == f"{T}/win2"
    staff(m, f"{T}/win3", {f"township:{T}"}, now=3)
    c.tick(sessions, m, 1 + c.PRESENCE_SECONDS + 1)  # win2 went silent while ringing: next one, at once
    assert s.ringing == f"{T}/win3" and s.tried == [f"{T}/win2"]
    back = staff(m, f"{T}/win2", {f"township:{T}"}, now=200)
    assert back.status == "available" and back.idle_since == 200  # a returning console starts afresh


def test_paused_staff_are_not_rung_and_decline_moves_on_without_pausing():
    m = {}
    staff(m, "371399/mz1", {"dept:MZ"}, now=0, status="paused")
    staff(m, "371399/mz2", {"dept:*"}, now=1)
    staff(m, "371399/mz3", {"dept:MZ"}, now=2)
    s = session(now=3)
    c.tick({"s1": s}, m, 3)
    assert s.ringing == "371399/mz2"  # "every department" serves MZ too
    c.apply(s, "decline", "371399/mz2", m, 4)
    assert s.ringing == "371399/mz3" and m["371399/mz2"].status == "available"
    with pytest.raises(ValueError):
        c.apply(s, "accept", "371399/mz2", m, 5)  # not ringing for them any more


def test_a_whole_call_is_recorded_with_its_length_and_the_staff_is_free_again():
    m = {}
    staff(m, "371399/mz1", {"dept:MZ"}, now=0)
    s = session(now=0)
    c.tick({"s1": s}, m, 0)
    fx = c.apply(s, "accept", "371399/mz1", m, 5)
    kiosk = [e for e in fx if e[0] == "kiosk"][0][2]
    assert kiosk["state"] == "connecting" and kiosk["peer"] == {"node": "371399", "pid": "staff:371399/mz1"}
    c.apply(s, "connected", "371399/mz1", m, 7)
    with pytest.raises(ValueError):
        c.apply(s, "wrapped", "371399/mz1", m, 8)  # still in the call
    c.apply(s, "hangup", "kiosk", m, 187)
    assert s.state == "wrap_up" and m["371399/mz1"].session == "s1"  # writing notes: not rung yet
    fx = c.apply(s, "wrapped", "371399/mz1", m, 200)
    assert s.state == "closed" and ("record", s) in fx and m["371399/mz1"].session == ""
    assert m["371399/mz1"].idle_since == 200
    assert c.record_of(s, m) == {"sid": "s1", "staff": "mz1", "staff_name": "mz1", "staff_node": "371399",
                                 "from": V, "seconds": 180.0, "outcome": "done"}


def test_a_connection_that_never_comes_up_is_closed_unrecorded():
    m = {}
    staff(m, "371399/mz1", {"dept:MZ"}, now=0)
    s = session(now=0)
    sessions = {"s1": s}
    c.tick(sessions, m, 0)
    c.apply(s, "accept", "371399/mz1", m, 1)
    staff(m, "371399/mz1", {"dept:MZ"}, now=30)
    fx = c.tick(sessions, m, 1 + c.CONNECT_SECONDS)
    assert (s.state, s.reason) == ("closed", "connect_failed") and not any(e[0] == "record" for e in fx)


@pytest.mark.parametrize("state", ["requested", "queued", "ringing", "connecting", "in_call", "wrap_up"])
@pytest.mark.parametrize("by", ["kiosk", "staff"])
def test_cancel_in_every_state(state, by):
    m = {}
    s = session(now=0)
    sessions = {"s1": s}
    if state == "queued":
        staff(m, "371399/busy", {"dept:MZ"}, now=0).session = "other"
    elif state != "requested":
        staff(m, "371399/mz1", {"dept:MZ"}, now=0)
    if state != "requested":
        c.tick(sessions, m, 0)
    steps = {"connecting": ["accept"], "in_call": ["accept", "connected"], "wrap_up": ["accept", "connected", "hangup"]}
    for action in steps.get(state, []):
        c.apply(s, action, "371399/mz1" if action == "accept" else "kiosk", m, 1)
    assert s.state == state
    who = "kiosk" if by == "kiosk" else (s.ringing or s.staff)
    if by == "staff" and not who:
        with pytest.raises(ValueError):  # nobody on it yet but the caller
            c.apply(s, "cancel", "371399/stranger", m, 2)
        return
    fx = c.apply(s, "cancel", who, m, 2)
    assert s.state == "cancelled" and ("kiosk", "s1", "cancelled") in kinds(fx)
    assert all(not x.session or x.key == "371399/busy" for x in m.values())  # everyone on it is free again
    assert any(e[0] == "record" for e in fx) == (state in ("in_call", "wrap_up"))
    with pytest.raises(ValueError):
        c.apply(s, "cancel", "kiosk", m, 3)


def test_what_a_console_serves_and_who_answers_an_item():
    assert serves_of("371399", [("county_approver", "MZ"), ("county_approver", "RS")]) == {"dept:MZ", "dept:RS"}
    assert serves_of("371399", [("county_reviewer", "")]) == {"dept:*"}
    assert serves_of(T, [("township_staff", "")]) == {f"township:{T}"}
    assert serves_of(T, [("admin", "")]) == frozenset()
    assert target_of({"decide_tier": "county", "department": "RS"}, T) == "dept:RS"
    assert target_of({"decide_tier": "township", "department": "MZ"}, T) == f"township:{T}"
    with pytest.raises(ValueError):
        c.heartbeat({}, "x/y", "y", set(), "asleep", 0)
