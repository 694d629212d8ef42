"""The parent's ROUTER loop: authenticated children in, batches and acks out. Thin: logic is in parent.py."""
import logging
import sqlite3
import threading
import time
from typing import cast

import zmq

from common.config import Config
from common.replication import Replicator
from common.store import db
from . import keys, store
from .auth import RegistryAuthenticator
from .endpoint import OnLive
from .limits import HEARTBEAT, POLL_MS, PRUNE_EVERY, RECV_PER_TURN, Limits
from .parent import ParentProtocol
from .sockets import common_options, load_keys

log = logging.getLogger("sanji.sync.server")


class SyncServer:
    """Runs a ROUTER for child links in its own thread."""

    def __init__(self, cfg: Config, replicator: Replicator, heartbeat: float = HEARTBEAT, limits: Limits | None = None,
                 on_live: OnLive | None = None) -> None:
        self.cfg, self.replicator, self.heartbeat, self.limits = cfg, replicator, heartbeat, limits
        self.on_live = on_live
        self._stop = threading.Event()
        self._ready = threading.Event()
        self.thread = threading.Thread(target=self._run, name="sync-server", daemon=True)
        self.endpoint: str | None = None  # the address bound, once it is
        self.protocol: ParentProtocol | None = None
        self._pruned_at = 0.0

    def start(self) -> None:
        """Start the thread; returns once the socket is bound (or raises what stopped it)."""
        self.thread.start()
        self._ready.wait(10)
        if self.endpoint is None:
            raise RuntimeError("sync server failed to start; see the log")

    def stop(self) -> None:
        """Stop the loop and wait for it."""
        self._stop.set()
        self.thread.join(10)

    def _run(self) -> None:
        ctx = zmq.Context()
        auth = RegistryAuthenticator(ctx, self.cfg.db_path)
        sock = None
        try:
            auth.start()
            public, secret = load_keys(self.cfg.keys_dir)
            sock = ctx.socket(zmq.ROUTER)
            common_options(sock)
            sock.curve_server = True
            sock.curve_publickey, sock.curve_secretkey = public, secret
            sock.setsockopt(zmq.ROUTER_MANDATORY, 1)
            sock.bind(f"tcp://{self.cfg['sync_host']}:{self.cfg['sync_port']}")
            self.endpoint = cast(bytes, sock.getsockopt(zmq.LAST_ENDPOINT)).decode()  # (a bytes option)
            conn = db.connect(self.cfg.db_path)
            with db.transaction(conn):  # nobody is on a link yet: a state saved before a restart is not true now
                for row in store.all_links(conn):
                    if row["link"] != "up" and row["state"] == "up":
                        store.set_state(conn, row["link"], "down")
            self.protocol = ParentProtocol(conn, self.cfg["code"], self.replicator, self.cfg.data_dir,
                                           self.heartbeat, self.limits, self.on_live,
                                           next_key=keys.next_public(self.cfg.keys_dir),
                                           own_keys=keys.own_publics(self.cfg.keys_dir))
            self._ready.set()
            log.info("sync server listening on %s", self.endpoint)
            self._loop(sock, conn)
        except Exception:
            log.exception("sync server stopped by an error")
        finally:
            self._ready.set()
            if self.protocol is not None:
                for ep in self.protocol.endpoints.values():
                    ep.save_ack(force=True)
            if sock is not None:
                sock.close(0)
            auth.stop()
            ctx.term()

    def _loop(self, sock: zmq.Socket[bytes], conn: sqlite3.Connection) -> None:
        poller = zmq.Poller()
        poller.register(sock, zmq.POLLIN)
        last_sent: dict[bytes, float] = {}
        while not self._stop.is_set():
            try:
                self._turn(sock, poller, last_sent)
            except Exception:  # a bug must cost one turn, not every child's link
                log.exception("sync server turn failed; carrying on")
                self._stop.wait(0.5)

    def _turn(self, sock: zmq.Socket[bytes], poller: zmq.Poller, last_sent: dict[bytes, float]) -> None:
        """One round: take what arrived, answer it, send what is due, keep heartbeats and liveness."""
        parent = self.protocol
        assert parent is not None  # made before the loop starts
        if poller.poll(POLL_MS):
            for _ in range(RECV_PER_TURN):
                try:
                    frames = sock.recv_multipart(zmq.NOBLOCK, copy=False)
                except zmq.Again:
                    break
                if len(frames) != 2:
                    continue  # a ROUTER frame is [routing id, payload]; anything else is not ours
                rid, payload = frames[0].bytes, frames[1]
                key = cast(str, payload.get("User-Id")) or ""  # (a str property: the z85 key ZAP accepted)
                try:
                    replies = parent.handle(rid, key, payload.bytes)
                except Exception:
                    log.exception("error handling a frame from %r", rid[:20])
                    replies = []
                for reply in replies:
                    self._send(sock, rid, reply, last_sent)
        for rid, frame in parent.outgoing():
            self._send(sock, rid, frame, last_sent)
        now = time.monotonic()
        for rid, child in list(parent.sessions.items()):
            if now - last_sent.get(rid, 0) > parent.endpoint(child).ping_interval(self.heartbeat, now):
                self._send(sock, rid, parent.endpoint(child).ping(), last_sent)
        parent.expire(now, self.heartbeat)
        if now - self._pruned_at > PRUNE_EVERY:
            self._pruned_at = now
            with db.transaction(parent.conn):
                store.prune(parent.conn)
        for ep in parent.endpoints.values():
            ep.flush_stats(now)

    def _send(self, sock: zmq.Socket[bytes], rid: bytes, frame: bytes, last_sent: dict[bytes, float]) -> None:
        try:
            sock.send_multipart([rid, frame], zmq.NOBLOCK)
            last_sent[rid] = time.monotonic()
        except zmq.ZMQError as exc:  # peer gone (ROUTER_MANDATORY) or queue full: it will resync on hello
            assert self.protocol is not None  # (only _turn sends, once it is made)
            self.protocol.sessions.pop(rid, None)
            log.debug("send to %r failed: %s", rid[:20], exc)
