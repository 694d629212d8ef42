"""The hub's consult broker: the sessions and presence of `consult.py`, fed by live messages, on a ticker.

Messages it handles (live bodies addressed to the county node; `origin` is the sending node):
  presence        {key, name, serves, status}          a console's heartbeat (townships relay theirs)
  consult.request {sid, pid, target, app_id, item}     a kiosk (or a window) asks for a consult
  consult.action  {sid, action, who}                   accept / decline / connected / hangup / wrapped / cancel
  signal          {sid, from_pid, type, seq, data}     WebRTC offer/answer/ICE, passed to the other party only
What it sends: `consult.update` to the requester's and the staff member's mailboxes, `consult.signal` to
the other party, and `consult.record` to the node that writes `consult_held` (the hub itself when
it holds the application, else the requesting node, which always does; common/web/consult_api.py).
"""
import logging
import threading
import time

from common.live import live_for
from common.node import open_db

from . import consult

log = logging.getLogger("sanji.consult")
TICK = 0.5
KEEP_ENDED = 600  # seconds an ended session stays answerable (late messages, the kiosk's last poll)


class ConsultHub:
    """Sessions and presence for one county node; thread-safe; `now` is injectable for tests."""

    def __init__(self, cfg, now=time.monotonic):
        self.cfg, self.now = cfg, now
        self.live = live_for(cfg)
        self.staff, self.sessions = {}, {}
        self._lock = threading.RLock()
        for kind, fn in (("presence", self.on_presence), ("consult.request", self.on_request),
                         ("consult.action", self.on_action), ("signal", self.on_signal)):
            self.live.on(kind, fn)

    # -- messages -------------------------------------------------------------------------------
    def on_presence(self, m):
        """A console's heartbeat: it must come from the node the console is at."""
        key = str(m.get("key", ""))
        if key.split("/", 1)[0] != m.get("origin") or m.get("status") not in consult.STATUSES:
            log.warning("presence refused: %r from %r", key, m.get("origin"))
            return
        with self._lock:
            s = consult.heartbeat(self.staff, key, str(m.get("name", ""))[:40], set(m.get("serves") or ()),
                                  m["status"], self.now())
            self._run(consult.tick(self.sessions, self.staff, self.now()))
            self._tell_staff(s.key, {"state": "presence", "status": s.status})

    def on_request(self, m):
        """A new consult from a kiosk or window."""
        sid, pid, target = (str(m.get(k, "")) for k in ("sid", "pid", "target"))
        if not (sid and pid and target) or sid in self.sessions:
            log.warning("consult request refused: %r", m)
            return
        with self._lock:
            s = self.sessions[sid] = consult.Session(sid=sid, node=m["origin"], pid=pid, target=target,
                                                     created=self.now(), app_id=str(m.get("app_id", "")),
                                                     item=str(m.get("item", "")))
            self._run(consult.tick({sid: s}, self.staff, self.now()))

    def on_action(self, m):
        """accept/decline/connected/hangup/wrapped/cancel from a party of the session."""
        with self._lock:
            s = self.sessions.get(str(m.get("sid", "")))
            who = str(m.get("who", ""))
            if s is None or not self._is_party(s, who, m.get("origin")):
                log.warning("consult action refused: %r", m)
                return
            try:
                self._run(consult.apply(s, m.get("action"), who, self.staff, self.now()))
            except ValueError as exc:
                target = ("kiosk", s) if who == "kiosk" else ("staff", who)
                self._deliver(target, {"sid": s.sid, "state": s.state, "error": str(exc)})

    def on_signal(self, m):
        """Pass WebRTC signalling between the two parties of a connecting or live call, nobody else."""
        with self._lock:
            s = self.sessions.get(str(m.get("sid", "")))
            if s is None or s.state not in ("connecting", "in_call") or not s.staff:
                return
            staff_pid = f"staff:{s.staff}"
            if m.get("from_pid") == s.pid and m.get("origin") == s.node:
                to_node, to_pid = s.staff.split("/", 1)[0], staff_pid
            elif m.get("from_pid") == staff_pid and m.get("origin") == s.staff.split("/", 1)[0]:
                to_node, to_pid = s.node, s.pid
            else:
                log.warning("signal refused for %s from %r", s.sid, m.get("from_pid"))
                return
        body = {k: m[k] for k in ("sid", "type", "seq", "data") if k in m}
        self.live.send(to_node, dict(body, kind="consult.signal", pid=to_pid))

    # -- the clock ------------------------------------------------------------------------------
    def tick(self):
        """Advance every session by the clock; forget silent consoles and long-ended sessions."""
        with self._lock:
            now = self.now()
            self._run(consult.tick(self.sessions, self.staff, now))
            consult.expire(self.staff, now)
            for sid in [k for k, s in self.sessions.items()
                        if s.state not in consult.OPEN and now - s.ended_at > KEEP_ENDED]:
                del self.sessions[sid]

    def snapshot(self):
        """Presence and open sessions, for the hub's page and API."""
        with self._lock:
            now = self.now()
            return {"staff": [{"key": s.key, "name": s.name, "status": "busy" if s.session else s.status,
                               "idle_seconds": round(now - s.idle_since), "serves": sorted(s.serves)}
                              for s in consult.online(self.staff, now)],
                    "sessions": [{"sid": s.sid, "state": s.state, "target": s.target, "from": s.node,
                                  "waiting_seconds": round(now - s.created), "staff": s.staff or s.ringing}
                                 for s in self.sessions.values() if s.state in consult.OPEN]}

    # -- effects --------------------------------------------------------------------------------
    def _is_party(self, s, who, origin):
        if who == "kiosk":
            return origin == s.node
        return who.split("/", 1)[0] == origin and who in self.staff

    def _run(self, effects):
        for effect in effects:
            if effect[0] == "record":
                self._record(effect[1])
            else:
                self._deliver(effect[:2], effect[2])

    def _deliver(self, target, payload):
        kind, who = target
        if kind == "kiosk":
            ok = self.live.send(who.node, dict(payload, kind="consult.update", pid=who.pid))
        else:
            ok = self._tell_staff(who, payload)
        if not ok:
            log.info("consult update for %s not delivered (no link)", who if kind == "staff" else who.node)

    def _tell_staff(self, key, payload):
        return self.live.send(key.split("/", 1)[0], dict(payload, kind="consult.update", pid=f"staff:{key}"))

    def _record(self, s):
        if not s.app_id:
            return
        record = consult.record_of(s, self.staff)
        conn = open_db(self.cfg)
        try:
            here = conn.execute("SELECT 1 FROM applications WHERE id = ?", (s.app_id,)).fetchone()
        finally:
            conn.close()
        self.live.send(self.cfg["code"] if here else s.node,
                       {"kind": "consult.record", "app_id": s.app_id, "record": record})


_hubs = {}
_hubs_lock = threading.Lock()


def hub_for(cfg):
    """The one ConsultHub of this process for CFG's county node (its live handlers registered)."""
    with _hubs_lock:
        if cfg["code"] not in _hubs:
            _hubs[cfg["code"]] = ConsultHub(cfg)
        return _hubs[cfg["code"]]


class ConsultTicker:
    """The runtime component that ticks the hub about twice a second."""

    def __init__(self, hub):
        self.hub = hub
        self._stop = threading.Event()
        self._thread = None

    def start(self):
        """Start ticking in a daemon thread."""
        self._thread = threading.Thread(target=self._run, name="consult-ticker", daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop.wait(TICK):
            try:
                self.hub.tick()
                self.hub.live.mailboxes.sweep()
            except Exception:  # keep ticking; a bug in one session must not stop every call
                log.exception("consult tick failed")

    def stop(self):
        """Stop ticking (waits for the current tick)."""
        self._stop.set()
        if self._thread:
            self._thread.join(5)
