"""docs/install.md followed literally (issue 20.2, 20.3): its one-machine block — three data folders, with
--web-host/--sync-host, keys handed over as files before the first start — links a county, a township and a
village. The test runs exactly those lines (paths and ports moved to free ones), as real processes."""
import json
import re
import shlex
import signal
import subprocess
import sys
from pathlib import Path

from tests.helpers import wait_for
from tests.sync.netutil import free_port

ROOT = Path(__file__).resolve().parents[2]
SANJI = str(Path(sys.executable).with_name("sanji"))


def block():
    text = (ROOT / "docs" / "install.md").read_text(encoding="utf-8")
    found = re.search(r"<!-- one-machine:begin -->\s*```\n(.*?)```\s*<!-- one-machine:end -->", text, re.S)
    assert found, "docs/install.md lost its one-machine block"
    return [line for line in found[1].splitlines() if line.strip()]


def test_the_one_machine_set_up_of_install_md_links_all_three(tmp_path):
    lines = block()
    ports = sorted(set(re.findall(r"\b(?:8|7)3\d\d\b", "\n".join(lines))))
    moved = {p: str(free_port()) for p in ports}
    servers = []
    try:
        for line in lines:
            line = line.replace("/tmp/sanji", str(tmp_path))
            line = re.sub(r"\b(?:8|7)3\d\d\b", lambda m: moved[m.group(0)], line)
            background = line.endswith("&")
            args = shlex.split(line.rstrip("& "))
            assert args[0] == "sanji", line
            args[0] = SANJI
            if background:
                servers.append(subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True))
                continue
            if args[1:3] == ["sync", "status"]:
                break  # asked below, until the links are up
            done = subprocess.run(args, capture_output=True, text=True, timeout=120)
            assert done.returncode == 0, (line, done.stdout, done.stderr)
            if args[1] == "init" and args[2] != "village":
                assert "children link to: tcp://127.0.0.1:" in done.stdout, done.stdout

        def up(folder):
            out = subprocess.run([SANJI, "sync", "status", "--json", "--data", str(tmp_path / folder)],
                                 capture_output=True, text=True, timeout=60)
            if out.returncode != 0:
                return False
            links = json.loads(out.stdout)["links"]
            return any(ln["link"] == "up" and ln["state"] == "up" for ln in links)
        wait_for(lambda: up("township"), timeout=90, interval=0.5, what="the township linked to the county")
        wait_for(lambda: up("village"), timeout=90, interval=0.5, what="the village linked to the township")
    finally:
        for proc in servers:
            proc.send_signal(signal.SIGTERM)
        for proc in servers:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()


def test_init_says_where_children_link_and_refuses_what_cannot_work(tmp_path):
    def init(*extra):
        return subprocess.run([SANJI, "init", *extra, "--admin-password", "install-admin-2026"],
                              capture_output=True, text=True, timeout=120)
    county = init("county", "--name", "县", "--code", "371399", "--data", str(tmp_path / "c"))
    assert county.returncode == 0 and "children link to: tcp://127.0.0.1:7000" in county.stdout
    assert "loopback" in county.stdout  # said before anyone wonders why no township links
    assert re.search(r"^sync_port = 7000$", (tmp_path / "c" / "sanji.toml").read_text(encoding="utf-8"), re.M)
    bad = init("village", "--name", "村", "--code", "371399101001", "--data", str(tmp_path / "v"), "--sync-port", "7002")
    assert bad.returncode != 0 and "no --sync-port" in (bad.stdout + bad.stderr)
    bad = init("township", "--name", "镇", "--code", "371399101", "--data", str(tmp_path / "t"), "--parent", "10.1.0.10:7000")
    assert bad.returncode != 0 and "tcp://HOST:PORT" in (bad.stdout + bad.stderr)
    bad = init("county", "--name", "县", "--code", "371399", "--data", str(tmp_path / "c2"), "--sync-host", "a b;c")
    assert bad.returncode != 0
    for extra in (["county", "--code", "371399", "--web-port", "7000"],                        # both ports 7000
                  ["county", "--code", "371399", "--parent", "tcp://10.1.0.9:7000"],            # a county has no parent
                  ["township", "--code", "371399101", "--parent", "tcp://10.1.0.10:99999"]):    # no such port
        bad = init(*extra[:1], "--name", "x", *extra[1:], "--data", str(tmp_path / "x"))
        assert bad.returncode == 2 and not (tmp_path / "x").exists(), (extra, bad.stdout, bad.stderr)
