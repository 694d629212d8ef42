"""Socket set-up shared by the server and the client: CurveZMQ keys, limits, timeouts."""
from pathlib import Path

import zmq
import zmq.auth

from common.errors import ConfigError

from .limits import FRAME_SLACK, HANDSHAKE_S, HWM, KEEPALIVE_CNT, KEEPALIVE_IDLE, KEEPALIVE_INTVL, MAX_FRAME


def load_keys(keys_dir: str | Path) -> tuple[bytes, bytes | None]:
    """(public, secret) z85 bytes of this node's key pair."""
    path = Path(keys_dir) / "node.key_secret"
    if not path.exists():
        raise ConfigError(f"缺少节点密钥 {path} / the node's key pair is missing", fix="sanji keys rotate creates one")
    return zmq.auth.load_certificate(str(path))


def parent_keys(keys_dir: str | Path) -> list[bytes]:
    """The parent's trusted public keys (z85 bytes), current first; empty when none is pinned."""
    path = Path(keys_dir) / "parent.keys"
    if not path.exists():
        return []
    return [line.strip().encode() for line in path.read_text().splitlines() if line.strip()]


def common_options(sock: zmq.Socket[bytes]) -> None:
    """Options every sync socket has."""
    sock.setsockopt(zmq.LINGER, 0)
    sock.setsockopt(zmq.MAXMSGSIZE, MAX_FRAME + FRAME_SLACK)
    sock.setsockopt(zmq.SNDHWM, HWM)
    sock.setsockopt(zmq.RCVHWM, HWM)
    # No ZMTP heartbeats: in libzmq 4.3.4/4.3.5 (every pyzmq wheel, Debian's libzmq5) the heartbeat
    # timer calls out_event on a connection that already failed, and `zmq_assert(!_io_error)` aborts
    # the whole node (libzmq issue 4841; a child that floods and dies without reading triggers it:
    # 5 aborts in 6 runs, 0 in 20 without the timer). The protocol's own pings (§ 6) find a silent
    # peer; TCP keepalive finds a dead connection underneath.
    sock.setsockopt(zmq.HEARTBEAT_IVL, 0)
    sock.setsockopt(zmq.TCP_KEEPALIVE, 1)
    sock.setsockopt(zmq.TCP_KEEPALIVE_IDLE, KEEPALIVE_IDLE)
    sock.setsockopt(zmq.TCP_KEEPALIVE_INTVL, KEEPALIVE_INTVL)
    sock.setsockopt(zmq.TCP_KEEPALIVE_CNT, KEEPALIVE_CNT)
    sock.setsockopt(zmq.HANDSHAKE_IVL, HANDSHAKE_S * 1000)
