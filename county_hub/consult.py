"""Live consults at the hub, pure: staff presence, who to ring, and each call's state machine.

States: requested → queued → ringing → connecting → in_call → wrap_up → closed, with cancelled
(either side, any open state) and unanswered (nobody serves it, nobody free within QUEUE_SECONDS,
or every candidate let it ring out); after unanswered the kiosk offers a callback or an
appointment instead. Every function takes `now` (seconds, any monotonic origin), so tests drive
the clock; the hub (consult_hub.py) calls `tick` about twice a second and `apply` per message,
and carries out the effects they return:
  ("kiosk", session, payload)   tell the villager's kiosk (its node relays to the browser)
  ("staff", staff_key, payload) tell a staff console (ring, stop ringing, you are paused, …)
  ("record", session)           append `consult_held` to the application's timeline
"""
from dataclasses import dataclass, field

from common.domain.consults import STAFF_STATUSES

RING_SECONDS = 15
QUEUE_SECONDS = 90
CONNECT_SECONDS = 30
PRESENCE_SECONDS = 45
OPEN = ("requested", "queued", "ringing", "connecting", "in_call", "wrap_up")
STATUSES = STAFF_STATUSES


@dataclass
class Staff:
    """A staff console the hub has heard from: KEY is "node/username"; SERVES like {"dept:MZ", "township:…"}."""

    key: str
    name: str
    serves: frozenset
    status: str = "available"
    seen: float = 0.0
    idle_since: float = 0.0
    session: str = ""        # the call they are ringing for or in

    @property
    def node(self):
        """The node the console is signed in at."""
        return self.key.split("/", 1)[0]


@dataclass
class Session:
    """One consult request from a kiosk (or a township window handing a case to the county)."""

    sid: str
    node: str                # the requesting node (village or township)
    pid: str                 # the requester's mailbox there
    target: str              # "dept:MZ" (county items) or "township:371399101"
    created: float
    app_id: str = ""
    item: str = ""
    state: str = "requested"
    ringing: str = ""
    ring_started: float = 0.0
    tried: list = field(default_factory=list)
    staff: str = ""
    answered_at: float = 0.0
    in_call_at: float = 0.0
    ended_at: float = 0.0
    reason: str = ""


def _serves(staff, target):
    return target in staff.serves or (target.startswith("dept:") and "dept:*" in staff.serves)


def heartbeat(staff_map, key, name, serves, status, now):
    """Record a console's heartbeat; returns its Staff. A new or returning console counts as idle from now."""
    if status not in STATUSES:
        raise ValueError(f"status must be one of {STATUSES}")
    s = staff_map.get(key)
    if s is None or now - s.seen > PRESENCE_SECONDS:
        s = staff_map[key] = Staff(key, name, frozenset(serves), status, now, now)
    s.name, s.serves, s.seen = name, frozenset(serves), now
    if s.status != status:
        s.status = status
        if status == "available" and not s.session:
            s.idle_since = now
    return s


def online(staff_map, now):
    """Staff heard from within PRESENCE_SECONDS."""
    return [s for s in staff_map.values() if now - s.seen <= PRESENCE_SECONDS]


def expire(staff_map, now):
    """Forget consoles silent for more than PRESENCE_SECONDS; returns their keys."""
    gone = [k for k, s in staff_map.items() if now - s.seen > PRESENCE_SECONDS]
    for k in gone:
        del staff_map[k]
    return gone


def candidates(session, staff_map, now):
    """Online staff who serve SESSION's target, available, free and not yet tried: longest idle first."""
    free = [s for s in online(staff_map, now) if _serves(s, session.target) and s.status == "available"
            and not s.session and s.key not in session.tried]
    return sorted(free, key=lambda s: (s.idle_since, s.key))


def _kiosk(session, **extra):
    return ("kiosk", session, dict(extra, sid=session.sid, state=session.state))


def _end(session, staff_map, state, reason, now):
    """Close SESSION as STATE; free its staff; the effects."""
    effects = []
    was = session.state
    session.state, session.reason, session.ended_at = state, reason, now
    for key in {session.ringing, session.staff} - {""}:
        s = staff_map.get(key)
        if s and s.session == session.sid:
            s.session, s.idle_since = "", now
            effects.append(("staff", key, {"sid": session.sid, "state": state, "reason": reason}))
    session.ringing = ""
    effects.append(_kiosk(session, reason=reason))
    if was in ("in_call", "wrap_up"):
        effects.append(("record", session))
    return effects


def _ring_next(session, staff_map, now):
    pick = candidates(session, staff_map, now)
    if pick:
        s = pick[0]
        s.session = session.sid
        session.state, session.ringing, session.ring_started = "ringing", s.key, now
        return [("staff", s.key, {"sid": session.sid, "state": "ringing", "app_id": session.app_id,
                                  "item": session.item, "from": session.node}), _kiosk(session)]
    serving = [s for s in online(staff_map, now) if _serves(s, session.target) and s.key not in session.tried]
    if not serving:
        return _end(session, staff_map, "unanswered", "nobody" if not session.tried else "no_answer", now)
    if now - session.created >= QUEUE_SECONDS:
        return _end(session, staff_map, "unanswered", "busy", now)
    was = session.state
    session.state = "queued"
    return [_kiosk(session)] if was != "queued" else []


def tick(sessions, staff_map, now):
    """Advance every open session by the clock: ring timeouts, queue waits, connect timeouts. Effects."""
    effects = []
    for session in sorted(sessions.values(), key=lambda x: x.created):  # first come, first rung
        if session.state in ("requested", "queued"):
            effects += _ring_next(session, staff_map, now)
        elif session.state == "ringing":
            s = staff_map.get(session.ringing)
            gone = s is None or now - s.seen > PRESENCE_SECONDS
            if gone or now - session.ring_started >= RING_SECONDS:
                if s is not None:  # let it ring out: paused until they say they are back
                    s.session, s.status = "", "paused"
                    effects.append(("staff", s.key, {"sid": session.sid, "state": "missed", "status": "paused"}))
                session.tried.append(session.ringing)
                session.ringing = ""
                effects += _ring_next(session, staff_map, now)
        elif session.state == "connecting" and now - session.answered_at >= CONNECT_SECONDS:
            effects += _end(session, staff_map, "closed", "connect_failed", now)
    return effects


def apply(session, action, who, staff_map, now):
    """Apply ACTION by WHO ("kiosk" or a staff key) to SESSION; effects. ValueError when it does not fit."""
    s = staff_map.get(who)
    if action == "cancel":
        if session.state not in OPEN:
            raise ValueError("the consult has already ended")
        if who != "kiosk" and who not in (session.ringing, session.staff):
            raise ValueError("only the caller or the staff member on it may cancel")
        return _end(session, staff_map, "cancelled", "by_kiosk" if who == "kiosk" else "by_staff", now)
    if action in ("accept", "decline"):
        if session.state != "ringing" or who != session.ringing or s is None:
            raise ValueError("this call is not ringing for you")
        if action == "decline":
            s.session = ""
            session.tried.append(who)
            session.ringing = ""
            return _ring_next(session, staff_map, now)
        session.state, session.staff, session.ringing, session.answered_at = "connecting", who, "", now
        return [_kiosk(session, staff_name=s.name, peer={"node": s.node, "pid": f"staff:{s.key}"}),
                ("staff", who, {"sid": session.sid, "state": "connecting", "peer": {"node": session.node,
                                                                                    "pid": session.pid}})]
    if action == "connected":
        if session.state != "connecting" or who not in ("kiosk", session.staff):
            raise ValueError("the call is not connecting")
        session.state, session.in_call_at = "in_call", now
        return [_kiosk(session), ("staff", session.staff, {"sid": session.sid, "state": "in_call"})]
    if action == "hangup":
        if session.state not in ("connecting", "in_call") or who not in ("kiosk", session.staff):
            raise ValueError("there is no call to hang up")
        session.state, session.ended_at = "wrap_up", now
        return [_kiosk(session), ("staff", session.staff, {"sid": session.sid, "state": "wrap_up"})]
    if action == "wrapped":
        if session.state != "wrap_up" or who != session.staff:
            raise ValueError("only the staff member wraps up their own call")
        ended = session.ended_at
        effects = _end(session, staff_map, "closed", "done", now)
        session.ended_at = ended  # the call's length stops at hang-up, not after the notes
        return effects
    raise ValueError(f"unknown action {action!r}")


def record_of(session, staff_map):
    """The `consult_held` payload for SESSION: who, with whom, how long (seconds)."""
    s = staff_map.get(session.staff)
    return {"sid": session.sid, "staff": session.staff.split("/", 1)[-1], "staff_name": s.name if s else "",
            "staff_node": session.staff.split("/", 1)[0], "from": session.node,
            "seconds": round(max(0.0, session.ended_at - session.in_call_at), 1) if session.in_call_at else 0,
            "outcome": session.reason}
