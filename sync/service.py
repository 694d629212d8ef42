"""The sync component a node runs beside its web server: a server for children, a client to the parent."""
import logging
import queue
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from common.config import Config
from common.domain.nodes import child_toward
from common.live import live_for, live_problem
from common.node import open_db, shared_clock
from common.replication import Replicator

from .client import SyncClient
from .limits import HEARTBEAT, Limits
from .server import SyncServer

log = logging.getLogger("sanji.sync")


class SyncService:
    """start()/stop() for the runtime; holds the server (county, township) and the client (township, village)."""

    def __init__(self, cfg: Config, heartbeat: float = HEARTBEAT, limits: Limits | None = None,
                 on_message: Callable[[dict[str, Any]], object] | None = None) -> None:
        self.cfg = cfg
        self.on_message = on_message  # called with each live body addressed to this node; else queued in `inbox`
        conn = open_db(cfg)
        clock = shared_clock(conn, cfg)
        conn.close()
        self.replicator = Replicator(cfg["code"], clock)
        self.live_dropped: Counter[str] = Counter()  # link -> live frames dropped (wrong direction, sender or kind)
        self._drop_logged: dict[str, float] = {}
        # Live messages addressed to this node: (link, body)
        self.inbox: queue.Queue[tuple[str, dict[str, Any]]] = queue.Queue()
        self.server = SyncServer(cfg, self.replicator, heartbeat, limits, self._on_live) if cfg["sync_port"] else None
        self.client = SyncClient(cfg, self.replicator, limits, self._on_live) if cfg["parent"] else None

    def send_live(self, to: str, body: dict[str, Any]) -> bool:
        """Send a live message toward node TO (relayed hop by hop ahead of bulk). False when no link leads there."""
        return self._forward(to, body, source=None)

    def _on_live(self, link: str, msg: dict[str, Any]) -> None:
        body = msg["body"]
        problem = live_problem(self.cfg["code"], link, msg["to"], body)
        if problem:
            # Counted, and logged once a minute per link: a flood must not flood the log too.
            self.live_dropped[link] += 1
            now = time.monotonic()
            if now - self._drop_logged.get(link, -60) >= 60:
                self._drop_logged[link] = now
                log.warning("live message from link %s dropped (%d so far): %s", link, self.live_dropped[link],
                            problem)
            return
        if msg["to"] == self.cfg["code"]:
            if self.on_message:
                self.on_message(msg["body"])
            else:
                self.inbox.put((link, msg["body"]))
        else:
            self._forward(msg["to"], msg["body"], source=link)

    def _forward(self, to: str, body: dict[str, Any], source: str | None) -> bool:
        child = child_toward(to, self.cfg["code"])
        protocol = self.server.protocol if self.server else None
        if child and child != source and protocol and child in list(protocol.sessions.values()):
            # Only to a child connected now: a frame for a node that is not there makes no link,
            # no outbox and no endpoint (live frames are never stored).
            protocol.endpoints[child].send_live(to, body)
            return True
        if not child and source != "up" and self.client and self.client.protocol and self.client.connected_since:
            self.client.protocol.ep.send_live(to, body)
            return True
        log.info("live message for %s dropped: no link leads there", to)
        return False

    def start(self) -> None:
        """Bind and connect."""
        if self.server:
            self.server.start()
        if self.client:
            self.client.start()

    def stop(self) -> None:
        """Close the links (in-flight batches are simply resent later)."""
        if self.client:
            self.client.stop()
        if self.server:
            self.server.stop()


def components(cfg: Config) -> list[SyncService]:
    """The runtime components of a node with links (used by every tier's Tier); live messages go to its Live."""
    if not (cfg["sync_port"] or cfg["parent"]):
        return []
    live = live_for(cfg)
    service = SyncService(cfg, on_message=live.dispatch)
    live.attach(service.send_live)
    return [service]
