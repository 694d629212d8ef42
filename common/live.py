"""Live plumbing inside one node process: mailboxes browsers long-poll, and live messages over the links.

A browser (a kiosk, a staff console) owns a mailbox named by a participant id; it long-polls
`wait(pid, after)` and gets every message numbered after AFTER. Messages come from this node's
own views or from other nodes as `live` frames (sync/service.py hands them to `dispatch`, which
calls the handler registered for the message's `kind`, or posts it to the mailbox named `pid`).

Long-polls hold a waitress worker thread each, so at most `max_waiters` wait at once; a poll
beyond that returns at once and the browser polls again a little later, and the node's other
pages keep their threads. Nothing here is durable: callers fall back to events (a callback
booking) when a message cannot be delivered.
"""
import logging
import secrets
import threading
import time
from collections import deque

import orjson

from .domain.nodes import ancestors, in_subtree, parent_of, tier_of

log = logging.getLogger("sanji.live")
KEEP = 200               # messages kept per mailbox (a browser that fell behind reloads its state)
IDLE_SECONDS = 120       # a mailbox nobody polled for this long is dropped
MAX_WAIT = 25.0          # longest long-poll, below the usual 30 s proxy timeouts
MAX_BOXES = 2000         # mailboxes a node keeps (browsers in a call, pending replies)


class Mailboxes:
    """Numbered messages per participant id, with waiting for new ones."""

    def __init__(self, max_waiters=4):
        self._boxes = {}                     # pid -> {"seq": int, "msgs": deque, "polled": float}
        self._cond = threading.Condition()
        self._gate = threading.BoundedSemaphore(max(1, max_waiters))
        self._generation = 0  # bumped by release(): polls waiting then return at once
        self.waiting = 0      # polls waiting now (for the node's status and the tests)

    def open(self, pid):
        """Create PID's mailbox if missing (so messages sent before its first poll are kept)."""
        with self._cond:
            self._box(pid)

    def _box(self, pid):
        box = self._boxes.get(pid)
        if box is None:
            if len(self._boxes) >= MAX_BOXES:  # the one polled longest ago makes room: memory stays bounded
                del self._boxes[min(self._boxes, key=lambda p: self._boxes[p]["polled"])]
            box = self._boxes[pid] = {"seq": 0, "msgs": deque(maxlen=KEEP), "polled": time.monotonic()}
        return box

    def post(self, pid, message):
        """Append MESSAGE to PID's mailbox (created if needed); returns its number."""
        with self._cond:
            box = self._box(pid)
            box["seq"] += 1
            box["msgs"].append((box["seq"], message))
            self._cond.notify_all()
            return box["seq"]

    def wait(self, pid, after=0, timeout=MAX_WAIT, gated=True):
        """(messages numbered after AFTER, each with its number `n`, waited) for PID, waiting up to TIMEOUT for one; `waited` is
        False when too many polls were already waiting, and the caller should poll again shortly.
        GATED=False (a view waiting a few seconds for the hub's answer) does not count against the cap."""
        deadline = time.monotonic() + max(0.0, min(timeout, MAX_WAIT))
        if gated and not self._gate.acquire(blocking=False):
            return self._since(pid, after), False
        try:
            with self._cond:
                generation = self._generation
                self.waiting += gated
                try:
                    return self._wait_in(pid, after, deadline, generation)
                finally:
                    self.waiting -= gated
        finally:
            if gated:
                self._gate.release()

    def _wait_in(self, pid, after, deadline, generation):
        """Wait (holding the condition) until a message after AFTER, the deadline or a release."""
        while True:
            found = self._since(pid, after)
            left = deadline - time.monotonic()
            if found or left <= 0 or generation != self._generation:
                return found, True
            self._cond.wait(left)

    def _since(self, pid, after):
        with self._cond:
            box = self._box(pid)
            box["polled"] = time.monotonic()
            return [dict(m, n=n) for n, m in box["msgs"] if n > after]

    def release(self):
        """Answer every poll waiting now at once (its web server is stopping)."""
        with self._cond:
            self._generation += 1
            self._cond.notify_all()

    def close(self, pid):
        """Drop PID's mailbox."""
        with self._cond:
            self._boxes.pop(pid, None)

    def sweep(self, now=None):
        """Drop mailboxes nobody polled for IDLE_SECONDS; returns how many."""
        now = time.monotonic() if now is None else now
        with self._cond:
            stale = [p for p, b in self._boxes.items() if now - b["polled"] > IDLE_SECONDS]
            for p in stale:
                del self._boxes[p]
            return len(stale)


# Which way each live kind travels (docs/protocol.md §9). Consults and meetings are brokered by the
# county hub: nodes below it address it with TO_HUB kinds, and only the hub answers with FROM_HUB
# kinds. A kind in neither set, or one going the wrong way, is dropped where it arrives.
TO_HUB = frozenset({"presence", "consult.request", "consult.action", "signal", "meeting.list", "meeting.join"})
FROM_HUB = frozenset({"consult.update", "consult.signal", "consult.record", "meeting.reply"})
TO_TOWNSHIP = frozenset({"appointment.slots", "appointment.book"})  # a kiosk asks its own township
FROM_TOWNSHIP = frozenset({"appointment.reply"})


def live_problem(me, link, to, body):
    """Why a live frame that reached node ME on LINK ("up" = from the parent), addressed to TO, is dropped.

    None when it may pass. A child speaks only for its subtree (the body's origin lies below it);
    TO_HUB kinds travel up to the county only; FROM_HUB kinds come down from the county only.
    """
    if not isinstance(body, dict):
        return "body is not a map"
    try:
        orjson.dumps(body)  # handlers answer browsers in JSON: bytes or odd keys go no further
    except (TypeError, orjson.JSONEncodeError):
        return "body is not JSON"
    kind, origin = body.get("kind"), body.get("origin")
    if not isinstance(origin, str) or not isinstance(kind, str):
        return "body lacks kind or origin"
    if link != "up" and not in_subtree(origin, link):
        return f"origin {origin!r} is outside the sending child's subtree"
    if kind in TO_HUB:
        if link == "up" or to != ancestors(me)[-1]:
            return f"{kind} goes only up to this network's county hub"
        return None
    if kind in TO_TOWNSHIP:
        if link == "up" or to != me or tier_of(me) != "township" or parent_of(origin) != me:
            return f"{kind} goes only from a village to its own township"
        return None
    if kind in FROM_TOWNSHIP:
        if link != "up" or tier_of(origin) != "township" or parent_of(me) != origin:
            return f"{kind} comes only from this village's township"
        return None
    if kind in FROM_HUB:
        if link != "up" or tier_of(origin) != "county":
            return f"{kind} comes only from the county hub"
        return None
    return f"unknown live kind {kind!r}"


class Live:
    """One node's live side: its mailboxes, its handlers by message kind, and the link to send on."""

    def __init__(self, node, max_waiters=4):
        self.node = node
        self.mailboxes = Mailboxes(max_waiters)
        self._handlers = {}
        self._send = None

    def attach(self, send):
        """Use SEND(to, body) -> bool to reach other nodes (the sync service's send_live)."""
        self._send = send

    def on(self, kind, handler):
        """Call HANDLER(body) for live messages of KIND addressed to this node."""
        self._handlers[kind] = handler

    def send(self, to, body):
        """Deliver BODY to node TO: here directly, else over the links. False when no link leads there."""
        body = dict(body, origin=body.get("origin") or self.node)
        if to == self.node:
            self.dispatch(body)
            return True
        return bool(self._send and self._send(to, body))

    def dispatch(self, body):
        """Handle a live message addressed to this node."""
        if not isinstance(body, dict):
            log.warning("live message dropped: not a map")
            return
        handler = self._handlers.get(body.get("kind"))
        try:
            if handler:
                handler(body)
            elif isinstance(body.get("pid"), str) and body["pid"]:
                self.mailboxes.post(body["pid"], body)
            else:
                log.info("live message of kind %r has no handler here", body.get("kind"))
        except Exception:  # a bad message must not take the link thread down
            log.exception("live message of kind %r failed", body.get("kind"))


_nodes: dict[str, "Live"] = {}
_lock = threading.Lock()


def ask(live, to, body, timeout=5.0):
    """Send BODY to node TO with a reply mailbox and wait up to TIMEOUT for the first answer (None: no answer)."""
    pid = "reply:" + secrets.token_hex(8)
    live.mailboxes.open(pid)
    try:
        if not live.send(to, dict(body, pid=pid)):
            return None
        found, _ = live.mailboxes.wait(pid, 0, timeout, gated=False)
        return found[0] if found else None
    finally:
        live.mailboxes.close(pid)


def release_all():
    """Wake every long-poll in this process, so a stopping web server is not held by them."""
    with _lock:
        nodes = list(_nodes.values())
    for live in nodes:
        live.mailboxes.release()


def live_for(cfg):
    """The one Live of this process for CFG's node (created on first use)."""
    with _lock:
        if cfg["code"] not in _nodes:
            _nodes[cfg["code"]] = Live(cfg["code"], max_waiters=max(1, int(cfg.get("web_threads", 8)) // 2))
        return _nodes[cfg["code"]]
