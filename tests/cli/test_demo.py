"""`sanji demo` starts three real node processes, prints their addresses, and stops on SIGINT."""
import signal
import socket
import subprocess
import sys
import threading

import requests

from tests.helpers import wait_for


def _free_block(n=3):
    for _ in range(50):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            base = s.getsockname()[1]
        if base + n < 65000 and all(_free(base + i) for i in range(n)):
            return base
    raise RuntimeError("no free port block")


def _free(port):
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def test_demo_starts_three_linked_nodes_and_stops_cleanly(tmp_path):
    base = _free_block(13)
    proc = subprocess.Popen([sys.executable, "-m", "common", "demo", "--data", str(tmp_path / "demo"),
                             "--base-port", str(base)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stdout), daemon=True)
    reader.start()
    try:
        wait_for(lambda: any("Ctrl-C" in line for line in lines), timeout=60, what="demo table")
        text = "".join(lines)
        for i, tier in enumerate(["county", "township", "village"]):
            assert f"http://127.0.0.1:{base + i}/" in text and tier in text
            assert requests.get(f"http://127.0.0.1:{base + i}/healthz", timeout=2).json()["tier"] == tier
        assert "demo-admin-2026" in text
        # The network is linked: an application made at the village reaches the county.
        from tests.sync.netutil import count, submit_many
        from common import config
        village = config.load(tmp_path / "demo" / "village")
        county = config.load(tmp_path / "demo" / "county")
        submit_many(village, 3)
        wait_for(lambda: count(county, "SELECT COUNT(*) FROM applications WHERE custody = '371399'") == 3,
                 timeout=60, what="village application at the county")
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    reader.join(timeout=5)
    assert "stopped" in "".join(lines)
    for i in range(3):
        assert _free(base + i), "a node process outlived the demo"
