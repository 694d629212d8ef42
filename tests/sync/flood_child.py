"""A child that floods its parent and dies without reading: run as its own process so the kernel resets the line.

    python -m tests.sync.flood_child KEYS_DIR PARENT_KEY_FILE ENDPOINT SECONDS

Sends hellos and garbage (each makes the parent write and answer) as fast as it can for SECONDS,
reads nothing, then exits at once with the parent's answers unread (a TCP reset, not a close).
"""
import os
import sys
import time

import zmq
import zmq.auth

from sync import wire


def main(keys_dir, parent_key_file, endpoint, seconds):
    public, secret = zmq.auth.load_certificate(os.path.join(keys_dir, "node.key_secret"))
    ctx = zmq.Context()
    sock = ctx.socket(zmq.DEALER)
    sock.setsockopt(zmq.SNDHWM, 0)  # never block: queue everything
    sock.curve_publickey, sock.curve_secretkey = public, secret
    sock.curve_serverkey = zmq.auth.load_certificate(parent_key_file)[0]
    sock.connect(endpoint)
    hello = wire.encode("hello", node="x", epoch="e", parent_epoch="", up_acked=0, up_last=0, down_recv=0, have={})
    junk = os.urandom(30_000)
    deadline = time.monotonic() + float(seconds)
    sent = 0
    while time.monotonic() < deadline and sent < 2_000_000:
        try:
            sock.send(hello if sent % 2 else junk, zmq.NOBLOCK)
            sent += 1
        except zmq.Again:
            time.sleep(0.001)
    os._exit(0)  # no close, no linger: the unread answers turn the close into a reset


if __name__ == "__main__":
    main(*sys.argv[1:5])
