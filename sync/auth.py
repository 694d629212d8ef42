"""ZAP for CurveZMQ, backed by the node registry in SQLite (pyzmq's ThreadAuthenticator underneath).

Every connection attempt is decided against `sync_nodes` as it happens, so accepting, rejecting or
revoking a key takes effect without a restart. An unknown key is recorded as pending with its
fingerprint and address. ZAP carries no word from the client beyond its key (the request's
"identity" frame is the server socket's own), so the administrator matches the fingerprint with the
one `sanji keys show` prints on the child and accepts it with the child's code.
"""
import logging
import sqlite3
import time
from pathlib import Path

import zmq
from zmq.auth.thread import ThreadAuthenticator

from common.store import db
from common.store.db import transaction

from . import store

log = logging.getLogger("sanji.sync.auth")
REFUSAL_LOG_EVERY = 60.0  # seconds: a refused node retrying must not flood the refusal log


class RegistryAuthenticator(ThreadAuthenticator):
    """Allows exactly the keys whose registry status is accepted; the User-Id is the z85 key."""

    def __init__(self, context: zmq.Context, db_path: str | Path) -> None:
        super().__init__(context)
        self.db_path = db_path
        self._conn: sqlite3.Connection | None = None
        self._address = ""
        self._last_logged: dict[str, float] = {}

    def start(self) -> None:
        """Start the ZAP thread and route every CURVE decision to `callback`."""
        super().start()
        self.configure_curve_callback("*", credentials_provider=self)

    async def handle_zap_message(self, msg: list[bytes]) -> None:
        # ZAP request: version, request id, domain, address, identity, mechanism, credentials.
        if len(msg) >= 6:
            self._address = msg[3].decode("utf-8", "replace")[:60]
        await super().handle_zap_message(msg)

    def callback(self, domain: str, key: bytes | str) -> bool:
        """True when KEY (z85 bytes) is enrolled and accepted."""
        if self._conn is None:
            self._conn = db.connect(self.db_path)  # used only from the ZAP thread
        public_key = key.decode("ascii") if isinstance(key, bytes) else key
        address = self._address
        try:
            with transaction(self._conn):
                row = store.seen_key(self._conn, public_key, "", address)
                if row["status"] == "accepted":
                    return True
                now = time.monotonic()
                if len(self._last_logged) > 1000:  # thousands of strangers must not grow it
                    self._last_logged.clear()
                last = self._last_logged.get(public_key)  # not 0: the monotonic clock starts near 0 at boot
                if last is None or now - last > REFUSAL_LOG_EVERY:
                    self._last_logged[public_key] = now
                    code = "revoked" if row["status"] == "revoked" else "not_enrolled"
                    store.refuse(self._conn, row["code"] or row["fingerprint"], code,
                                 f"key {row['fingerprint']} ({row['status']}) from {address}")
                    log.warning("refused %s key %s from %s", row["status"], row["fingerprint"], address)
        except Exception:
            log.exception("ZAP decision failed; refusing")
        return False
