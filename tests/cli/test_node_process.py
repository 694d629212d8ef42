"""Real `sanji` processes: init, serve, health, SIGTERM, integrity."""
import json
import os
import signal
import subprocess
import sys
import time

import pytest
import requests

from common.store import db
from tests.helpers import CODES, wait_for


def sanji(*args, env=None, input=None):
    full_env = dict(os.environ, **(env or {}))
    return subprocess.run([sys.executable, "-m", "common", *args], capture_output=True, text=True, env=full_env,
                          input=input, timeout=120)


@pytest.mark.parametrize("tier", ["county", "township", "village"])
def test_init_serve_health_and_sigterm(tmp_path, tier):
    data = tmp_path / tier
    parent = [] if tier == "county" else ["--parent", "tcp://127.0.0.1:5999"]
    r = sanji("init", tier, "--name", f"测试{tier}", "--code", CODES[tier], "--data", str(data), "--web-port", "0",
              *parent)
    assert r.returncode == 0, r.stderr
    assert "initial admin password" in r.stdout
    assert (data / "keys" / "node.key").exists() and (data / "keys" / "node.key_secret").exists()
    proc = subprocess.Popen([sys.executable, "-m", "common", "serve", "--data", str(data)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        url_file = data / "run" / "web.url"
        url = wait_for(lambda: url_file.exists() and url_file.read_text().strip(), timeout=30, what="web.url")
        health = wait_for(lambda: _health(url), timeout=30, what="healthz")
        assert health["tier"] == tier and health["node"] == CODES[tier] and health["database"] == "ok"
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=5)
        assert time.monotonic() - started < 5
        assert proc.returncode == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    assert not url_file.exists()
    conn = db.connect(data / "node.db")
    assert db.integrity_ok(conn)


def _health(url):
    try:
        r = requests.get(url + "healthz", timeout=1)
        return r.json() if r.status_code == 200 else None
    except requests.RequestException:
        return None


def test_catalog_list_json(tmp_path):
    data = tmp_path / "c"
    assert sanji("init", "county", "--name", "县", "--code", "371399", "--data", str(data)).returncode == 0
    r = sanji("catalog", "list", "--json", "--data", str(data))
    items = json.loads(r.stdout)
    assert len(items) >= 40 and len({i["department"] for i in items}) >= 12
    for i in items:
        assert i["legal_days"] >= i["promised_days"] >= 0 and (i["materials"] or i["case_type"] == "voice")
    show = json.loads(sanji("catalog", "show", "mz-001", "--data", str(data)).stdout)
    assert show["decide_tier"] == "township"
