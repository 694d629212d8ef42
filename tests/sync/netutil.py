"""A real network for tests: node data folders with enrolled keys, and node processes."""
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import zmq.auth

from common.node import init_node, open_db
from common.store.db import transaction
from sync import store
from tests.helpers import ADMIN_PASSWORD, wait_for

COUNTY = "371399"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def public_key(cfg):
    return zmq.auth.load_certificate(str(cfg.keys_dir / "node.key"))[0].decode()


def enrol(parent_cfg, child_cfg):
    """Accept CHILD's key at PARENT and pin PARENT's key at CHILD, as an administrator would."""
    conn = open_db(parent_cfg)
    with transaction(conn):
        store.add_accepted(conn, public_key(child_cfg), child_cfg["code"])
    conn.close()
    (child_cfg.keys_dir / "parent.keys").write_text(public_key(parent_cfg) + "\n")


def make_node(root, tier, code, parent_cfg=None, sync=True, parent_endpoint=None):
    settings = {"web_port": 0, "sync_port": free_port() if sync and tier != "village" else 0}
    parent = parent_endpoint or (f"tcp://127.0.0.1:{parent_cfg['sync_port']}" if parent_cfg else "")
    cfg, _ = init_node(Path(root) / code, tier, f"{tier}-{code}", code, parent, settings, ADMIN_PASSWORD)
    if parent_cfg:
        enrol(parent_cfg, cfg)
    return cfg


def make_network(root, villages=2, townships=1):
    """County, TOWNSHIPS townships and VILLAGES villages under the first township; returns a dict of configs."""
    net = {"county": make_node(root, "county", COUNTY)}
    for t in range(townships):
        code = f"{COUNTY}{101 + t:03d}"
        net[code] = make_node(root, "township", code, net["county"])
    first = f"{COUNTY}101"
    for v in range(villages):
        code = f"{first}{v + 1:03d}"
        net[code] = make_node(root, "village", code, net[first])
    return net


class NodeProcess:
    """`sanji serve` for a node, as its own process."""

    def __init__(self, cfg, env=None):
        self.cfg = cfg
        self.env = dict(os.environ, **(env or {}))
        self.proc = None
        self.log = Path(cfg.data_dir) / "node.log"

    def start(self, wait=True):
        url_file = Path(self.cfg.data_dir) / "run" / "web.url"
        url_file.unlink(missing_ok=True)
        self.proc = subprocess.Popen([sys.executable, "-m", "common", "serve", "--data", str(self.cfg.data_dir)],
                                     stdout=open(self.log, "ab"), stderr=subprocess.STDOUT, env=self.env)
        if wait:
            wait_for(lambda: url_file.exists() or self.proc.poll() is not None, timeout=30, what="node start")
            assert self.proc.poll() is None, self.log.read_text()[-3000:]
        return self

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def alive(self):
        return self.proc is not None and self.proc.poll() is None


APPLICANT = {"name": "赵六", "id_number": "11010519440119002X", "phone": "13700000000"}
COUNTY_ITEM = "RS-003"  # decided at the county, one review step
FORM = {"delivery": "乡镇便民服务中心领取"}


def submit_many(cfg, n, item=COUNTY_ITEM, form=FORM, materials=(), applicant=APPLICANT):
    """N applications created at village CFG (as its kiosk would), in one transaction; returns ids."""
    from common.hlc import Clock
    from common.store import applications as apps, catalog
    from common.store.db import transaction as tx
    conn = open_db(cfg)
    it = catalog.item(conn, item)
    clock = Clock(cfg["code"])
    with tx(conn):
        ids = [apps.submit(conn, clock, cfg["code"], "kiosk", it, applicant, form, list(materials))["id"]
               for _ in range(n)]
    conn.close()
    return ids


def decide_at_county(cfg, outcome="approved"):
    """Accept, pass the step and approve every application the county holds in `received`."""
    from common.hlc import Clock
    from common.store import applications as apps
    from common.store.db import transaction as tx
    conn = open_db(cfg)
    clock = Clock(cfg["code"])
    ids = [r[0] for r in conn.execute("SELECT id FROM applications WHERE state IN ('received', 'forwarded')"
                                      " AND custody = ?", (cfg["code"],))]
    with tx(conn):
        for app_id in ids:
            apps.append(conn, clock, cfg["code"], app_id, "accepted", "approver")
            apps.append(conn, clock, cfg["code"], app_id, "step_passed", "approver", {"step": "review"})
            apps.append(conn, clock, cfg["code"], app_id, "approved", "approver", {"note": "准予"})
    conn.close()
    return len(ids)


def count(cfg, sql, *args):
    conn = open_db(cfg)
    try:
        return conn.execute(sql, args).fetchone()[0]
    finally:
        conn.close()
