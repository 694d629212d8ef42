"""Socket set-up shared by the server and the client: CurveZMQ keys, limits, timeouts."""
from pathlib import Path

import zmq
import zmq.auth

from common.errors import ConfigError

from .wire import MAX_FRAME


def load_keys(keys_dir):
    """(public, secret) z85 bytes of this node's key pair."""
    path = Path(keys_dir) / "node.key_secret"
    if not path.exists():
        raise ConfigError(f"缺少节点密钥 {path} / the node's key pair is missing", fix="sanji keys rotate creates one")
    return zmq.auth.load_certificate(str(path))


def parent_keys(keys_dir):
    """The parent's trusted public keys (z85 bytes), current first; empty when none is pinned."""
    path = Path(keys_dir) / "parent.keys"
    if not path.exists():
        return []
    return [line.strip().encode() for line in path.read_text().splitlines() if line.strip()]


def common_options(sock):
    """Options every sync socket has."""
    sock.setsockopt(zmq.LINGER, 0)
    sock.setsockopt(zmq.MAXMSGSIZE, MAX_FRAME + 1024)
    sock.setsockopt(zmq.SNDHWM, 10_000)
    sock.setsockopt(zmq.RCVHWM, 10_000)
    sock.setsockopt(zmq.HEARTBEAT_IVL, 5_000)  # ZMTP pings find dead TCP connections
    sock.setsockopt(zmq.HEARTBEAT_TIMEOUT, 15_000)
    sock.setsockopt(zmq.HANDSHAKE_IVL, 10_000)
