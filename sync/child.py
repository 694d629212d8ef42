"""The child side of the link to the parent (a township or village DEALER), without sockets."""
import logging
import sqlite3
from pathlib import Path
from typing import Any

from common import signing
from common.replication import Replicator
from common.store import meta, node_keys, outbox, places
from common.store.db import now_iso, transaction

from . import keys, store, wire
from .endpoint import Endpoint, OnLive
from .limits import HEARTBEAT, Limits

log = logging.getLogger("sanji.sync.child")
UP = outbox.UP


class ChildProtocol:
    """Handshake with the parent, then the 'up' Endpoint carries everything."""

    def __init__(self, conn: sqlite3.Connection, me: str, replicator: Replicator, data_dir: str | Path,
                 limits: Limits | None = None, on_live: OnLive | None = None) -> None:
        self.conn, self.me, self.replicator = conn, me, replicator
        self.keys_dir = f"{data_dir}/keys"
        self.ep = Endpoint(conn, me, UP, replicator, data_dir, limits or Limits(), on_live=on_live)
        self.established = False
        self.refused: str | None = None  # the parent's error code when it refused this node
        self.heartbeat: float = HEARTBEAT  # until the welcome says the parent's
        self.parent_code: str | None = None
        self.sign_key = signing.ensure(conn, me)

    def hello(self) -> bytes:
        """The hello frame that opens (or re-opens) the session."""
        self.established = False
        self.ep.names_sent = None  # a new session: the parent hears our places' names again
        state = store.link(self.conn, UP)
        announced = keys.next_public(self.keys_dir)
        return wire.encode("hello", node=self.me, epoch=meta.get(self.conn, "epoch", ""),
                           parent_epoch=state["peer_epoch"], up_acked=state["acked_upto"],
                           up_last=outbox.last_seq(self.conn, UP), down_recv=state["recv_upto"],
                           have=self.replicator.broadcast_versions(self.conn), sign_key=self.sign_key,
                           hb_idle=float(self.ep.limits.hb_idle),
                           **({"next_key": announced} if announced else {}))

    def handle(self, data: bytes) -> list[bytes]:
        """Frames answering DATA from the parent."""
        try:
            msg = wire.decode(data)
        except wire.FrameError as exc:
            log.warning("bad frame from parent: %s", exc.message)
            return []
        if msg["t"] == "welcome":
            return self._welcome(msg)
        if msg["t"] == "error":
            if msg["code"] == "hello_required":
                return [self.hello()]
            if msg["code"] in ("revoked", "not_enrolled", "version"):
                self.established, self.refused = False, msg["code"]
                log.error("parent refused this node: %s (%s)", msg["code"], msg["message"])
                return []
        if not self.established:
            return []
        return self.ep.handle(msg)

    def _learn_keys(self, msg: dict[str, Any]) -> None:
        # The parent vouches for its own signing key and its ancestors' (none other is taken).
        found = dict(msg.get("keys") or {})
        if signing.is_key(msg.get("sign_key")):
            found.setdefault(msg["node"], []).append(msg["sign_key"])
        for code, offered in found.items():  # (not `keys`: that is the module imported above)
            if isinstance(code, str) and self.me.startswith(code) and code != self.me and isinstance(offered, list):
                for key in offered[:node_keys.MAX_PER_CODE]:
                    if signing.is_key(key):
                        node_keys.add(self.conn, code, key, UP)

    def _welcome(self, msg: dict[str, Any]) -> list[bytes]:
        with transaction(self.conn):
            state = store.link(self.conn, UP)
            restored = (state["peer_epoch"] and state["peer_epoch"] != msg["epoch"]) or \
                msg["up_recv"] < state["acked_upto"]
            self._learn_keys(msg)
            if isinstance(msg.get("names"), dict):  # the parent's name and its ancestors', never others'
                places.learn(self.conn, [(c, n) for c, n in places.clean(msg["names"])
                                         if self.me.startswith(c) and c != self.me], msg["node"])
            if restored:
                # The parent lost what it had acknowledged: offer it everything we hold again, the
                # signing keys of our subtree first so it can check the events that follow.
                log.warning("parent %s restored (epoch %s): re-offering everything", msg["node"], msg["epoch"])
                offer = self.replicator.export_keys(self.conn, self.me)
                for kind, msg_id, subject, body in offer + list(self.replicator.export_events(self.conn, "")):
                    outbox.enqueue(self.conn, UP, kind, msg_id, subject, body)
            recv = min(state["recv_upto"], msg["down_last"])
            store.set_link(self.conn, UP, peer_epoch=msg["epoch"], recv_upto=recv, last_contact=now_iso())
            store.set_state(self.conn, UP, "up")
        if isinstance(msg.get("next_key"), str) and len(msg["next_key"]) == 40:
            keys.trust_parent(self.keys_dir, msg["next_key"])  # the parent's announced next key
        self.ep.rewind(acked=msg["up_recv"])
        self.heartbeat, self.parent_code = msg["hb"], msg["node"]
        self.ep.hb_idle = msg.get("hb_idle")  # only when the parent agreed to beat slowly on an idle line
        self.established, self.refused = True, None
        return []
