"""`sanji demo --smoke`: the whole network in a temporary folder, one application through every tier and back.

Each step is printed with the seconds it took; the first that fails ends the run, named, with a
non-zero exit (the network is stopped and the folder removed either way).
"""
import random
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from ..errors import SanjiError
from . import network
from .client import StaffMember, Villager, wait_until

VILLAGE, COUNTY = "371399101001", "371399"
APPLICANT = {"name": "测试员", "id_number": "11010519440119002X", "phone": "13700009999"}


class SmokeFailed(SanjiError):
    """A smoke step did not happen."""

    exit_code = 3


def _ephemeral():
    # The range the kernel hands out for bind(port 0) and outgoing connections: a block chosen inside
    # it can be taken by any other program between choosing it and starting the nodes on it.
    try:
        low, high = (int(x) for x in Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split())
        return low, high
    except (OSError, ValueError):
        return 32768, 60999


def free_base(span=30):
    """A port P with P…P+SPAN free on 127.0.0.1, outside the kernel's ephemeral range."""
    low, high = _ephemeral()
    blocks = [p for p in range(10000, 65000 - span, span) if p + span <= low or p > high]
    for base in random.sample(blocks, min(len(blocks), 100)):
        if all(_free(base + i) for i in range(span)):
            return base
    raise SanjiError("没有空闲的端口段 / no free block of ports", fix="stop other programs, or pass --base-port")


def _free(port):
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def run(echo, base_port=None):
    """Run the smoke test, telling ECHO each step; returns the steps [(name, seconds)]. SmokeFailed on failure."""
    root = tempfile.mkdtemp(prefix="sanji-smoke-")
    base = base_port or free_base()
    net = network.Network(root, base, output=subprocess.DEVNULL)
    steps, started = [], time.monotonic()

    def step(name, func):
        t = time.monotonic()
        try:
            result = func()
        except SmokeFailed:
            raise
        except Exception as exc:
            raise SmokeFailed(f"{name}：{exc}") from exc
        steps.append((name, round(time.monotonic() - t, 2)))
        echo(f"  ✔ {name} ({steps[-1][1]} s)")
        return result

    try:
        step("建立示范网络 / build 10 nodes", lambda: network.build(root, base, history=False))
        step("启动全部节点 / start every node", net.start_all)
        villager = Villager(net.url(VILLAGE), APPLICANT)
        receipt = step("村里提交申请 / apply at the village kiosk",
                       lambda: villager.apply("RS-003", {"delivery": "乡镇便民服务中心领取"}, materials=[0, 1]))
        code = receipt["tracking_code"]
        app_id = wait_until("find the application", lambda: villager.status(code)["id"])
        county = StaffMember(net.url(COUNTY), "rs", network.PASSWORD)
        step("乡镇转报，县里收到 / forwarded by the township, held at the county",
             lambda: wait_until("the application at the county",
                                lambda: (county.find(app_id) or {}).get("custody") == COUNTY, timeout=30))
        step("县部门受理并批准 / accepted and approved by the county department",
             lambda: (county.act(app_id, "accepted"), county.decide(app_id)))
        step("结果回到村里 / the outcome back at the village",
             lambda: wait_until("the outcome at the village", lambda: villager.status(code)["state"] == "approved",
                                timeout=30))
        step("村民评价 / the villager rates it", lambda: villager.rate(code, 5))
        echo(f"  全部通过 / all passed in {round(time.monotonic() - started, 1)} s (tracking code {code})")
        return steps
    finally:
        net.stop_all()
        shutil.rmtree(root, ignore_errors=True)
