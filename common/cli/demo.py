"""sanji demo: a small county network on 127.0.0.1, one process per node, kept between runs."""
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import click

DEMO_PASSWORD = "demo-admin-2026"
NODES = [  # (tier, code, name)
    ("county", "371399", "示范县政务服务中心"),
    ("township", "371399101", "城关镇为民服务中心"),
    ("village", "371399101001", "东岭村为民服务室"),
]


def register(cli):
    """Add these commands to the sanji CLI."""
    cli.add_command(demo)


def _enrol(parent_dir, child_dir, child_code):
    """Exchange keys as an administrator would: the parent accepts the child, the child pins the parent."""
    for args in (["nodes", "add", child_code, "--key", str(child_dir / "keys" / "node.key"), "--data", str(parent_dir)],
                 ["keys", "trust-parent", str(parent_dir / "keys" / "node.key"), "--data", str(child_dir)]):
        done = subprocess.run([sys.executable, "-m", "common", *args], capture_output=True, text=True)
        if done.returncode != 0:
            raise click.ClickException(f"enrolling {child_code} failed: {done.stderr.strip()}")


STAFF = {  # the people each demo node has besides admin: (username, display name, role)
    "village": [("clerk", "村代办员", "village_clerk")],
    "township": [("window", "窗口工作人员", "township_staff"), ("head", "分管领导", "township_head")],
    "county": [("rs", "人社局审批人员", "county_approver:RS"), ("mz", "民政局审批人员", "county_approver:MZ"),
               ("reviewer", "上报件审核", "county_reviewer"), ("supervisor", "电子监察", "supervisor"),
               ("rx", "12345热线办", "county_approver:RX"), ("publisher", "政务公开信息员", "publisher")],
}


def _add_staff(cfg, tier):
    """The demo node's staff (the village clerk; the township window and its head), password DEMO_PASSWORD."""
    from .. import accounts
    from ..node import open_db
    conn = open_db(cfg)
    try:
        for username, name, role in STAFF.get(tier, []):
            accounts.add_user(conn, tier, username, name, DEMO_PASSWORD, [role], actor="demo")
    finally:
        conn.close()


def _wait_healthy(url, proc, deadline):
    import requests
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            if requests.get(url + "healthz", timeout=1).status_code == 200:
                return True
        except requests.RequestException:
            pass
        time.sleep(0.1)
    return False


@click.command()
@click.option("--data", "data_dir", default="demo-data", show_default=True, type=click.Path(file_okay=False),
              help="where the demo nodes keep their data between runs")
@click.option("--fresh", is_flag=True, help="delete the demo data and start over")
@click.option("--base-port", type=click.IntRange(1024, 65000), default=8100, show_default=True)
def demo(data_dir, fresh, base_port):
    """Start a county, a township and a village node and print their addresses; Ctrl-C stops all."""
    from ..node import init_node
    root = Path(data_dir)
    if fresh and root.exists():
        shutil.rmtree(root)
    procs = []
    for i, (tier, code, name) in enumerate(NODES):
        folder = root / tier
        if not (folder / "sanji.toml").exists():
            sync_port = base_port + 10 + i if tier != "village" else 0
            parent = f"tcp://127.0.0.1:{base_port + 10 + i - 1}" if tier != "county" else ""
            settings = {"web_port": base_port + i, "sync_port": sync_port}
            if tier == "county":  # the demo's "phone": texts are appended to county/sms-sent.jsonl
                settings.update(sms_gateway="file", sms_sign="【示范县政务服务】")
            cfg, _ = init_node(folder, tier, name, code, parent, settings, admin_password=DEMO_PASSWORD)
            _add_staff(cfg, tier)
            if tier != "county":
                _enrol(root / NODES[i - 1][0], folder, code)
        env = dict(os.environ, SANJI_WEB_PORT=str(base_port + i))
        procs.append((tier, code, name, f"http://127.0.0.1:{base_port + i}/", subprocess.Popen(
            [sys.executable, "-m", "common", "serve", "--data", str(folder)], env=env)))
    stopping = False

    def stop(*_):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    try:
        deadline = time.monotonic() + 30
        for tier, code, name, url, proc in procs:
            if not _wait_healthy(url, proc, deadline):
                raise click.ClickException(f"{tier} node did not start; see its messages above")
        click.echo("\n示范网络已启动 / the demo network is up:\n")
        click.echo(f"  {'tier':<9} {'code':<13} {'address':<28} name")
        for tier, code, name, url, _ in procs:
            click.echo(f"  {tier:<9} {code:<13} {url:<28} {name}")
        click.echo(f"\n  登录 / sign in: admin / {DEMO_PASSWORD} (every node); clerk (village), window and head"
                   f" (township), rs, mz, rx (12345), reviewer, supervisor and publisher (county), same password")
        click.echo(f"  短信 / text messages: {root / 'county' / 'sms-sent.jsonl'}")
        click.echo("  按 Ctrl-C 停止 / press Ctrl-C to stop\n")
        while not stopping and all(p.poll() is None for *_, p in procs):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        for *_, p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for *_, p in procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
        click.echo("已停止 / stopped")
