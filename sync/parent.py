"""The parent side of the links (a county or township ROUTER), without sockets.

Peers are known by the CurveZMQ key ZAP authenticated, looked up in the registry on every frame,
so a revocation bites at once. Nothing but `hello` is accepted before the handshake.
"""
import logging
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from common import signing
from common.domain.nodes import ancestors, tier_of
from common.replication import Replicator, node_key_id
from common.store import meta, node_keys, outbox, places
from common.store.db import now_iso, transaction

from . import store, wire
from .endpoint import Endpoint, OnLive
from .limits import HEARTBEAT, Limits

log = logging.getLogger("sanji.sync.parent")


class OriginRefused(Exception):
    """A child sent a message it has no right to originate."""

    refusal = "origin"


class ParentProtocol:
    """Handles frames from children; `outgoing()` yields what to send to each established child."""

    def __init__(self, conn: sqlite3.Connection, me: str, replicator: Replicator, data_dir: str | Path,
                 heartbeat: float = HEARTBEAT, limits: Limits | None = None, on_live: OnLive | None = None,
                 next_key: str | None = None, own_keys: Iterable[str] = ()) -> None:
        self.conn, self.me, self.replicator, self.data_dir = conn, me, replicator, data_dir
        self.next_key = next_key  # our announced next public key, sent in every welcome
        self.heartbeat, self.limits, self.on_live = heartbeat, limits or Limits(), on_live
        self.endpoints: dict[str, Endpoint] = {}  # child code -> Endpoint
        self.sessions: dict[bytes, str] = {}  # routing id -> child code
        self.last_heard: dict[str, float] = {}  # child code -> monotonic time
        self.own_keys = set(own_keys or ())  # our own public keys: never a child's
        self.sign_key = signing.ensure(conn, me)
        self._warned: set[tuple[str, str]] = set()
        self._restore_logged: dict[str, float] = {}
        self._connect_logged: dict[str, float] = {}  # a child reconnecting in a loop logs at INFO once a minute
        for code in store.held_links(conn):  # their held events are released even before they reconnect
            if code != "up":
                self.endpoint(code)

    @property
    def epoch(self) -> str | None:
        """This node's current epoch."""
        return meta.get(self.conn, "epoch")

    def endpoint(self, code: str) -> Endpoint:
        """The Endpoint for child CODE."""
        if code not in self.endpoints:
            self.endpoints[code] = Endpoint(self.conn, self.me, code, self.replicator, self.data_dir, self.limits,
                                            origin_check=self._origin_check(code), on_live=self.on_live)
        return self.endpoints[code]

    def restoring(self) -> bool:
        """True while the restore window is open (read at most every 5 s: it changes only with a restore)."""
        now = time.monotonic()
        if now - getattr(self, "_window_read_at", -10) > 5:
            window = meta.get(self.conn, "restore_window_until")
            self._restoring = bool(window and datetime.fromisoformat(window) > datetime.now(timezone.utc))
            self._window_read_at = now
        return self._restoring

    def _origin_check(self, code: str) -> Callable[[str, Any], None]:
        def check(kind: str, body: Any) -> None:
            problem = self.replicator.origin_problem(self.conn, kind, body, code, self.restoring())
            if problem:
                raise OriginRefused(problem)
        return check

    def handle(self, rid: bytes, key: str, data: bytes) -> list[bytes]:
        """Frames to send back to routing id RID for DATA from the peer with public KEY."""
        node = store.node_by_key(self.conn, key)
        try:
            msg = wire.decode(data)
        except wire.FrameError as exc:
            with transaction(self.conn):  # counted under the node's code when it is known
                store.refuse(self.conn, (node or {}).get("code") or key[:12], exc.code, exc.message)
            return [wire.error(exc.code, exc.message)]
        if node is None or node["status"] != "accepted":
            code = "revoked" if node and node["status"] == "revoked" else "not_enrolled"
            with transaction(self.conn):
                store.refuse(self.conn, node["code"] if node and node["code"] else key[:12], code, f"frame {msg['t']}")
            self.sessions.pop(rid, None)
            return [wire.error(code)]
        child = node["code"]
        self.last_heard[child] = time.monotonic()
        if msg["t"] == "hello":
            return self._hello(rid, child, msg, key)
        if self.sessions.get(rid) != child:
            return [wire.error("hello_required")]
        try:
            return self.endpoint(child).handle(msg)
        except wire.FrameError as exc:
            with transaction(self.conn):
                store.refuse(self.conn, child, exc.code, exc.message)
            return [wire.error(exc.code, exc.message)]

    def _hello(self, rid: bytes, child: str, msg: dict[str, Any], key: str = "") -> list[bytes]:
        ep = self.endpoint(child)
        with transaction(self.conn):
            if "next_key" in msg:
                problem = store.announce_next_key(self.conn, msg["next_key"], child, key, self.own_keys)
                if problem:
                    self._claim_refused(child, "next_key", problem)
            if signing.is_key(msg.get("sign_key")):
                self._learn_key(child, msg["sign_key"])
            if store.retire_older(self.conn, key, child):
                log.info("child %s now uses its new key; older keys revoked", child)
            state = store.link(self.conn, child)
            down_last = outbox.last_seq(self.conn, child)
            if msg["down_recv"] > down_last or msg["up_acked"] > state["recv_upto"]:
                # A child's word never starts our epoch or opens a restore window (only `sanji
                # restore` does): noted for the administrator, and the child is served from what we hold.
                self._claim_refused(child, "claim", f"hello claims down_recv {msg['down_recv']} (we queued"
                                    f" {down_last}) / up_acked {msg['up_acked']} (we hold {state['recv_upto']})")
            if state["peer_epoch"] and state["peer_epoch"] != msg["epoch"]:
                # The child was restored: take its messages again from what it knows we acked, and
                # send down what its backup may lack about its subtree. Only what the link does not
                # already hold is queued, so a child that presents a new epoch every time costs nothing.
                if time.monotonic() - self._restore_logged.get(child, -60) >= 60:  # a hello storm: one line a minute
                    self._restore_logged[child] = time.monotonic()
                    log.warning("child %s restored (epoch %s): resending its subtree", child, msg["epoch"])
                store.set_link(self.conn, child, recv_upto=min(state["recv_upto"], msg["up_acked"]))
                for kind, msg_id, subject, body in self.replicator.export_events(self.conn, child, missing_on=child):
                    outbox.enqueue(self.conn, child, kind, msg_id, subject, body)
            # What the child says it lacks is sent once: a broadcast the link already carried is
            # sent again from where it stands in the outbox, never copied, so a child that reports
            # an empty `have` in every hello grows nothing.
            resend_from = msg["down_recv"]
            for kind, msg_id, subject, body in self.replicator.broadcasts_newer(self.conn, msg["have"]):
                seq = outbox.seq_of(self.conn, child, msg_id)
                if seq is None:
                    outbox.enqueue(self.conn, child, kind, msg_id, subject, body)
                else:
                    resend_from = min(resend_from, seq - 1)
            store.set_link(self.conn, child, peer_epoch=msg["epoch"], last_contact=now_iso())
            store.set_state(self.conn, child, "up")
            recv = store.link(self.conn, child)["recv_upto"]
            down_last = outbox.last_seq(self.conn, child)
        ep.rewind(acked=min(resend_from, down_last))
        ep.names_sent = places.of_ancestry(self.conn, self.me)  # in this welcome; a ping tells what changes later
        for old_rid, code in list(self.sessions.items()):
            if code == child:
                del self.sessions[old_rid]
        self.sessions[rid] = child
        now = time.monotonic()
        level = logging.INFO if now - self._connect_logged.get(child, -60) >= 60 else logging.DEBUG
        self._connect_logged[child] = now
        log.log(level, "child %s connected (up_recv %d, down_last %d)", child, recv, down_last)
        extra: dict[str, Any] = {"next_key": self.next_key} if self.next_key else {}
        # Slow heartbeats on an idle line only with a child that offered them (an older one would
        # take the parent's silence for a dead link), at the parent's own pace, whatever was offered.
        ep.hb_idle = self.limits.hb_idle if "hb_idle" in msg else None
        if ep.hb_idle:
            extra["hb_idle"] = float(ep.hb_idle)
        return [wire.encode("welcome", node=self.me, child=child, epoch=self.epoch, up_recv=recv,
                            down_last=down_last, hb=float(self.heartbeat), sign_key=self.sign_key,
                            keys=node_keys.of_codes(self.conn, ancestors(self.me)),
                            names=places.of_ancestry(self.conn, self.me), **extra)]

    def _learn_key(self, child: str, key: str) -> None:
        # The child's signing key, vouched for by its enrolled CurveZMQ key; passed up so every
        # tier above can check the child's events too.
        if node_keys.add(self.conn, child, key, child) and tier_of(self.me) != "county":
            outbox.enqueue(self.conn, outbox.UP, "node_key", node_key_id(child, key), child,
                           {"code": child, "sign_key": key})

    def _claim_refused(self, child: str, code: str, detail: str) -> None:
        # Recorded (sync_refusals, shown on /admin/nodes) and logged once per child and kind per run:
        # a child repeating its hello must not grow the table or the log.
        if (child, code) not in self._warned:
            self._warned.add((child, code))
            store.refuse(self.conn, child, code, detail)
            log.warning("child %s: refused %s: %s", child, code, detail)

    def outgoing(self) -> Iterator[tuple[bytes, bytes]]:
        """(routing id, frame) pairs to send now to established children."""
        for rid, child in list(self.sessions.items()):
            for frame in self.endpoint(child).next_frames():
                yield rid, frame

    def expire(self, now: float, heartbeat: float) -> list[str]:
        """Forget sessions silent past their allowance (MISSED_BEATS heartbeats and what they are sending us); mark their links down.

        Returns their codes.
        """
        gone = [c for c, t in self.last_heard.items() if self.endpoint(c).silent(now, t, heartbeat)]
        for child in gone:
            del self.last_heard[child]
            for rid, code in list(self.sessions.items()):
                if code == child:
                    del self.sessions[rid]
            with transaction(self.conn):
                store.set_state(self.conn, child, "down")
        return gone
