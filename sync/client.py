"""The child's DEALER loop to its parent: hello, batches, heartbeats, reconnect with jittered backoff."""
import logging
import random
import sqlite3
import threading
import time

import zmq

from common.config import Config
from common.replication import Replicator
from common.store import db
from common.store.db import transaction

from . import keys, store
from .child import UP, ChildProtocol
from .endpoint import OnLive
from .limits import (BACKOFF_BASE, BACKOFF_CAP, HELLO_TIMEOUT, HELLO_TIMEOUT_MAX, POLL_MS, RECONNECT_MAX_S,
                     RECONNECT_S, RECV_PER_TURN, Limits)
from .sockets import common_options, load_keys, parent_keys

log = logging.getLogger("sanji.sync.client")
WARN_EVERY = 300.0        # how often a link that is never welcomed says so again
GRACE = 30.0              # … and not before this long without a welcome (a parent restarting is back sooner)
NO_WELCOME = ("NOT LINKED: the parent at %s has not welcomed this node (for %.0f s). Likely causes: the parent "
              "is not running or listens on another address/port (its sync_host/sync_port; 0 means no child "
              "links); a firewall; the parent has not enrolled this node (on the parent: sanji nodes list, then "
              "sanji nodes accept FINGERPRINT --code CODE, or sanji nodes add CODE --key FILE); or the pinned "
              "parent key is not the parent's (sanji keys trust-parent). Applications wait here meanwhile.")


class Backoff:
    """Exponential backoff with full jitter, so hundreds of villages do not return in step."""

    def __init__(self, base: float = BACKOFF_BASE, cap: float = BACKOFF_CAP, rng: random.Random | None = None) -> None:
        self.base, self.cap, self.attempt = base, cap, 0
        self.rng = rng or random.Random()

    def next(self) -> float:
        """Seconds to wait before the next attempt."""
        ceiling = min(self.cap, self.base * (2 ** self.attempt))
        self.attempt += 1
        return self.rng.uniform(0, ceiling)

    def reset(self) -> None:
        """Back to short waits after a good connection."""
        self.attempt = 0


class SyncClient:
    """Keeps this node's link to its parent, in its own thread."""

    unwelcome_since: float | None  # when the attempts without a welcome began (None: welcomed)
    warned_at: float | None        # when NOT LINKED was last logged

    def __init__(self, cfg: Config, replicator: Replicator, limits: Limits | None = None, on_live: OnLive | None = None,
                 backoff: Backoff | None = None) -> None:
        self.cfg, self.replicator, self.limits, self.on_live = cfg, replicator, limits, on_live
        self.backoff = backoff or Backoff()
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="sync-client", daemon=True)
        self.protocol: ChildProtocol | None = None
        self.connected_since: float | None = None  # time.time() of the welcome
        self.hello_timeout = HELLO_TIMEOUT
        self.unwelcome_since = self.warned_at = None
        self.grace = GRACE

    def start(self) -> None:
        """Start the thread."""
        self.thread.start()

    def stop(self) -> None:
        """Stop the loop and wait for it."""
        self._stop.set()
        self.thread.join(10)

    def _run(self) -> None:
        ctx = zmq.Context()
        conn = db.connect(self.cfg.db_path)
        self.protocol = ChildProtocol(conn, self.cfg["code"], self.replicator, self.cfg.data_dir, self.limits,
                                      self.on_live)
        key_index = 0
        with transaction(conn):  # not connected yet, whatever was saved before a restart
            store.set_state(conn, UP, "down")
        try:
            while not self._stop.is_set():
                keys = parent_keys(self.cfg.keys_dir)
                if not keys:
                    now = time.monotonic()
                    if self.warned_at is None or now - self.warned_at >= WARN_EVERY:
                        self.warned_at = now
                        log.error("NOT LINKED: no parent key pinned (keys/parent.keys): run sanji keys trust-parent "
                                  "with the parent's keys/node.key file or its 40-character public key")
                    self._stop.wait(5)
                    continue
                server_key = keys[key_index % len(keys)]
                try:
                    outcome = self._session(ctx, conn, server_key)
                except Exception:  # a bug must cost one session, not the link
                    log.exception("sync session failed; reconnecting")
                    outcome = "error"
                with transaction(conn):
                    store.set_state(conn, UP, "down")
                self.connected_since = None
                if outcome == "no_welcome" and len(keys) > 1:
                    key_index += 1  # the parent may have rotated to the next key it announced
                if outcome == "no_welcome":
                    self.hello_timeout = min(HELLO_TIMEOUT_MAX, self.hello_timeout * 2)
                    self._unwelcome(time.monotonic())
                if outcome != "no_welcome":
                    self.unwelcome_since = None
                if not self._stop.is_set():
                    self._stop.wait(self.backoff.next())
        except Exception:
            log.exception("sync client stopped by an error")
        finally:
            conn.close()
            ctx.term()

    def _unwelcome(self, now: float) -> None:
        # Never welcomed: said loudly, with what usually causes it, at once and then every few minutes
        # (a node that silently never links looks like a quiet village).
        if self.unwelcome_since is None:
            self.unwelcome_since = now - self.hello_timeout / 2  # the attempt that just ended began then
        if now - self.unwelcome_since < self.grace:
            return  # a parent restarting is back within this: no alarm for that
        if self.warned_at is None or now - self.warned_at >= WARN_EVERY:
            self.warned_at = now
            log.warning(NO_WELCOME, self.cfg["parent"], now - self.unwelcome_since)

    def _session(self, ctx: zmq.Context[zmq.Socket[bytes]], conn: sqlite3.Connection, server_key: bytes) -> str:
        assert self.protocol is not None  # made by _run before the first session
        public, secret = load_keys(self.cfg.keys_dir)
        sock = ctx.socket(zmq.DEALER)
        common_options(sock)
        sock.curve_publickey, sock.curve_secretkey, sock.curve_serverkey = public, secret, server_key
        sock.setsockopt(zmq.ROUTING_ID, f"{self.cfg['code']}.{random.getrandbits(32):08x}".encode())
        sock.setsockopt(zmq.RECONNECT_IVL, RECONNECT_S * 1000)
        sock.setsockopt(zmq.RECONNECT_IVL_MAX, RECONNECT_MAX_S * 1000)
        sock.connect(self.cfg["parent"])
        child = self.protocol
        poller = zmq.Poller()
        poller.register(sock, zmq.POLLIN)
        try:
            sock.send(child.hello(), zmq.NOBLOCK)
            started = last_recv = last_send = time.monotonic()
            while not self._stop.is_set():
                now = time.monotonic()
                if poller.poll(POLL_MS):
                    for _ in range(RECV_PER_TURN):
                        try:
                            data = sock.recv(zmq.NOBLOCK)
                        except zmq.Again:
                            break
                        last_recv = time.monotonic()
                        for reply in child.handle(data):
                            sock.send(reply, zmq.NOBLOCK)
                            last_send = time.monotonic()
                    if child.established and self.connected_since is None:
                        self.connected_since = time.time()
                        self.backoff.reset()
                        self.hello_timeout = HELLO_TIMEOUT
                        if self.unwelcome_since is not None:
                            log.warning("linked to %s at last", self.cfg["parent"])
                        self.unwelcome_since = self.warned_at = None
                        keys.trust_parent(self.cfg.keys_dir, server_key.decode(), first=True)
                now = time.monotonic()
                if not child.established:
                    if child.refused:
                        return "refused"
                    if now - started > self.hello_timeout:
                        log.info("no welcome from %s within %.0fs", self.cfg["parent"], self.hello_timeout)
                        return "no_welcome"
                    continue
                for frame in child.ep.next_frames(now):
                    sock.send(frame, zmq.NOBLOCK)
                    last_send = now
                if now - last_send > child.ep.ping_interval(child.heartbeat, now):
                    sock.send(child.ep.ping(), zmq.NOBLOCK)
                    last_send = now
                child.ep.flush_stats(now)
                if child.ep.silent(now, last_recv, child.heartbeat):
                    log.info("parent silent for %.1fs: link down", now - last_recv)
                    return "silent"
            return "stopped"
        except zmq.ZMQError as exc:
            log.info("link error: %s", exc)
            return "error"
        finally:
            sock.close(0)
            child.ep.save_ack(force=True)
