"""The demo county's network: a county hub, 3 townships and 6 villages, one process each, on 127.0.0.1.

`build(root, base_port)` makes the data folders once (configuration, keys, enrolment, staff); they
are kept between runs. `Network` starts and stops the node processes and can stop and restart one
(a village's link going down and coming back). Web ports are BASE+0…9, sync ports BASE+20…23.
"""
import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from .. import accounts, clock as business_clock, config
from ..domain.nodes import parent_of
from ..errors import SanjiError
from ..node import init_node, open_db
from ..store import calendar as cal_store
from ..store import catalog as catalog_store
from .history import seed as seed_stories

PASSWORD = "demo-admin-2026"
COUNTY = "371399"


@dataclass(frozen=True)
class Node:
    """One demo node: its tier, division code, name and index (its ports' offset)."""

    tier: str
    code: str
    name: str
    index: int

    @property
    def parent(self):
        """The parent's code ('' for the county)."""
        return parent_of(self.code) or ""


NODES = [Node(t, c, n, i) for i, (t, c, n) in enumerate([
    ("county", COUNTY, "示范县政务服务中心"),
    ("township", "371399101", "城关镇为民服务中心"),
    ("township", "371399102", "河口镇为民服务中心"),
    ("township", "371399103", "石桥乡为民服务中心"),
    ("village", "371399101001", "东岭村为民服务室"),
    ("village", "371399101002", "西岭村为民服务室"),
    ("village", "371399102001", "河口村为民服务室"),
    ("village", "371399102002", "柳树湾村为民服务室"),
    ("village", "371399103001", "石桥村为民服务室"),
    ("village", "371399103002", "南山村为民服务室"),
])]
BY_CODE = {n.code: n for n in NODES}
STAFF = {  # besides admin on every node: (username, display name, role); the same names at each node of a tier
    "village": [("clerk", "村代办员", "village_clerk")],
    "township": [("window", "窗口工作人员", "township_staff"), ("head", "分管领导", "township_head")],
    # and at the county an approver for every department of its catalog (`county_staff`)
    "county": [("reviewer", "上报件审核", "county_reviewer"), ("supervisor", "电子监察", "supervisor"),
               ("publisher", "政务公开信息员", "publisher")],
}
APPROVER_NAMES = {"RS": "人社局审批人员", "MZ": "民政局审批人员", "YB": "医保局审批人员", "ZJ": "住建局审批人员",
                  "RX": "12345热线办"}


def county_staff(departments):
    """The demo county's accounts: an approver for each of DEPARTMENTS ([{code, name}], every one its catalog
    names, so no case waits for a department nobody can sign in for), username the code in lower case;
    then the reviewer, the supervisor and the publisher."""
    approvers = [(d["code"].lower(), APPROVER_NAMES.get(d["code"], f"{d['name']}审批人员"), f"county_approver:{d['code']}")
                 for d in departments]
    return approvers + STAFF["county"]


def folder(root, node):
    """NODE's data folder under ROOT."""
    return Path(root) / f"{node.tier}-{node.code}"


def web_port(base, node):
    return base + node.index


def sync_port(base, node):
    return base + 20 + node.index if node.tier != "village" else 0


def url(base, node):
    """NODE's web address."""
    return f"http://127.0.0.1:{web_port(base, node)}/"


def _run(args):
    return subprocess.Popen([sys.executable, "-m", "common", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def build(root, base_port, history=True):
    """Make the data folders that do not exist yet; returns the codes of the nodes made now."""
    made = []
    for node in NODES:
        where = folder(root, node)
        if (where / "sanji.toml").exists():
            continue
        parent = BY_CODE.get(node.parent)
        settings = {"web_port": web_port(base_port, node), "sync_port": sync_port(base_port, node)}
        if node.tier == "village":  # --traffic plays every villager from this one machine's address
            settings.update(lookup_per_minute=600, card_reader="simulator")
        if node.tier == "county":  # the demo's "phone": texts are appended to sms-sent.jsonl in its folder
            settings.update(sms_gateway="file", sms_sign="【示范县政务服务】")
        cfg, _ = init_node(where, node.tier, node.name, node.code,
                           f"tcp://127.0.0.1:{sync_port(base_port, parent)}" if parent else "", settings,
                           admin_password=PASSWORD)
        if node.tier == "village":
            _lay_demo_card(where)
        conn = open_db(cfg)
        try:
            people = county_staff(catalog_store.departments(conn)) if node.tier == "county" else STAFF[node.tier]
            for username, name, role in people:
                accounts.add_user(conn, node.tier, username, name, PASSWORD, [role], actor="demo")
        finally:
            conn.close()
        made.append(node.code)
    # Enrolment as an administrator would do it (`sanji nodes add`, `sanji keys trust-parent`), all at once.
    jobs = []
    for code in made:
        node = BY_CODE[code]
        if node.parent:
            up, here = folder(root, BY_CODE[node.parent]), folder(root, node)
            jobs.append((code, _run(["nodes", "add", code, "--key", str(here / "keys" / "node.key"), "--data", str(up)])))
            jobs.append((code, _run(["keys", "trust-parent", str(up / "keys" / "node.key"), "--data", str(here)])))
    for code, job in jobs:
        _, err = job.communicate()
        if job.returncode != 0:
            raise SanjiError(f"登记节点 {code} 失败 / enrolling {code} failed: {err.strip()[-300:]}",
                             fix="start over with --fresh")
    if history and len(made) == len(NODES):  # a new demo county: give it a few weeks of history
        seed_history(root)
    return made


def seed_history(root, **options):
    """Write the seeded weeks of history into the demo's databases (before its processes start)."""
    cfg = config.load(folder(root, NODES[0]))
    conn = open_db(cfg)
    try:
        items = [catalog_store.item(conn, i["code"]) for i in catalog_store.items(conn)]
        cal, today = cal_store.load_cached(conn), business_clock.today(cfg)
    finally:
        conn.close()
    return seed_stories(lambda code: open_db(config.load(folder(root, BY_CODE[code]))), items,
                        [n.code for n in NODES if n.tier == "village"], cal, today, **options)


class Network:
    """The demo's node processes under ROOT with ports from BASE_PORT."""

    def __init__(self, root, base_port, output=None):
        self.root, self.base, self.output = Path(root), base_port, output
        self.procs = {}

    def start(self, code, wait=True):
        """Start node CODE's process (`sanji serve`); with WAIT, until it answers /healthz."""
        node = BY_CODE[code]
        parent = BY_CODE.get(node.parent)
        _port_free(web_port(self.base, node), code)
        # The ports follow --base-port even for folders made with another one.
        env = dict(os.environ, SANJI_WEB_PORT=str(web_port(self.base, node)),
                   SANJI_SYNC_PORT=str(sync_port(self.base, node)),
                   SANJI_PARENT=f"tcp://127.0.0.1:{sync_port(self.base, parent)}" if parent else "")
        out = self.output
        if out is None:  # each node's messages go to its own log, so the terminal keeps the table readable
            out = open(folder(self.root, node) / "node.log", "ab")
        self.procs[code] = subprocess.Popen([sys.executable, "-m", "common", "serve", "--data",
                                             str(folder(self.root, node))], env=env, stdout=out,
                                            stderr=subprocess.STDOUT)
        if out is not self.output:
            out.close()  # the child holds its own copy
        if wait:
            self.wait_healthy([code])

    def start_all(self, timeout=60):
        """Start every node, then wait until all answer."""
        for node in NODES:
            self.start(node.code, wait=False)
        self.wait_healthy([n.code for n in NODES], timeout)

    def wait_healthy(self, codes, timeout=60):
        """Wait until each node in CODES answers /healthz; SanjiError naming the first that does not."""
        import requests  # lazy: this module loads with every sanji command, and requests costs ~30 ms
        deadline = time.monotonic() + timeout
        for code in codes:
            proc, address = self.procs[code], url(self.base, BY_CODE[code])
            while True:
                if proc.poll() is not None:
                    raise SanjiError(f"节点 {code} 没有启动 / node {code} did not start (exit {proc.returncode})",
                                     fix=f"see {folder(self.root, BY_CODE[code]) / 'node.log'}")
                try:
                    if requests.get(address + "healthz", timeout=1).status_code == 200:
                        break
                except requests.RequestException:
                    pass
                if time.monotonic() > deadline:
                    raise SanjiError(f"节点 {code} 在 {timeout} 秒内没有响应 / node {code} did not answer in time")
                time.sleep(0.1)

    def stop(self, code):
        """Stop node CODE (SIGTERM, then kill after 10 s)."""
        proc = self.procs.pop(code, None)
        if proc and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()

    def stop_all(self):
        """Stop every node: all are signalled first, so they wind down together."""
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for code in list(self.procs):
            self.stop(code)

    def running(self):
        """True while every started node is still running."""
        return all(p.poll() is None for p in self.procs.values())

    def url(self, code):
        """Node CODE's web address."""
        return url(self.base, BY_CODE[code])


DEMO_CARD = {"name": "王秀英", "id_number": "11010519440119002X", "address": "示范县东岭村 3 组 12 号"}


def _lay_demo_card(where):
    # The card on each demo kiosk's simulated reader, in the answer format of docs/card-reader.md
    # (the file village_kiosk/card_reader.py's simulator reads; take it away to try "no card").
    path = where / "card-reader" / "card.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"status": "ok", "card": DEMO_CARD}, ensure_ascii=False), encoding="utf-8")


def _port_free(port, code):
    # A node left running by a demo that was killed would answer /healthz for the new one.
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            raise SanjiError(f"端口 {port} 已被占用，节点 {code} 无法启动 / port {port} is in use",
                             fix="a demo killed earlier may have left its nodes running: stop them "
                                 "(pkill -f 'common serve --data'), or use another --base-port") from None
