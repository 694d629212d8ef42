"""The sync component a node runs beside its web server: a server for children, a client to the parent."""
import logging

from common.node import open_db, shared_clock
from common.replication import Replicator

from .client import SyncClient
from .server import SyncServer

log = logging.getLogger("sanji.sync")


class SyncService:
    """start()/stop() for the runtime; holds the server (county, township) and the client (township, village)."""

    def __init__(self, cfg, heartbeat=2.0, limits=None):
        self.cfg = cfg
        conn = open_db(cfg)
        clock = shared_clock(conn, cfg["code"])
        conn.close()
        self.replicator = Replicator(cfg["code"], clock)
        self.server = SyncServer(cfg, self.replicator, heartbeat, limits) if cfg["sync_port"] else None
        self.client = SyncClient(cfg, self.replicator, limits) if cfg["parent"] else None

    def start(self):
        """Bind and connect."""
        if self.server:
            self.server.start()
        if self.client:
            self.client.start()

    def stop(self):
        """Close the links (in-flight batches are simply resent later)."""
        if self.client:
            self.client.stop()
        if self.server:
            self.server.stop()


def components(cfg):
    """The runtime components of a node with links (used by every tier's Tier)."""
    return [SyncService(cfg)] if (cfg["sync_port"] or cfg["parent"]) else []
