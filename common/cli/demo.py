"""sanji demo: the demo county (a hub, 3 townships, 6 villages) on 127.0.0.1, one process per node.

The data folder is kept between runs (`--fresh` starts over); a new one is seeded with a few weeks
of history. `--traffic N` then plays villagers and staff; `--smoke` runs one application through
every tier in a temporary folder and exits. The network itself is `common/demo/network.py`.
"""
import shutil
import signal
import time
from pathlib import Path

import click

from ..demo import control, network

ROLES = [  # (who, username, where) as printed for a newcomer
    ("村代办员 village clerk", "clerk", "每个村 / each village"),
    ("乡镇窗口 township window", "window", "每个乡镇 / each township"),
    ("乡镇分管领导 township head", "head", "每个乡镇 / each township"),
    ("县部门审批 county approvers", "rs, mz, yb, zj, zr, hb, sl …", "县 / county: 每个部门一个，用户名为部门代码小写 / "
     "one per department, its code in lower case (人社 rs, 民政 mz, 医保 yb, 住建 zj, 自然资源 zr, 生态环境 hb, 水利 sl …)"),
    ("12345 热线办 hotline office", "rx", "县 / county"),
    ("上报件审核 escalation reviewer", "reviewer", "县 / county"),
    ("电子监察 supervisor", "supervisor", "县 / county"),
    ("政务公开 publisher", "publisher", "县 / county"),
    ("系统管理员 administrator", "admin", "每个节点 / every node"),
]


def register(cli):
    """Add these commands to the sanji CLI."""
    cli.add_command(demo)


def _table(net, root):
    click.echo("\n示范县网络已启动 / the demo county is up:\n")
    click.echo(f"  {'tier':<9} {'code':<13} {'address':<24} name")
    for node in network.NODES:
        click.echo(f"  {node.tier:<9} {node.code:<13} {net.url(node.code):<24} {node.name}")
    click.echo(f"\n  登录 / sign in (password {network.PASSWORD} for everyone):")
    for who, username, where in ROLES:
        click.echo(f"    {who:<34} {username:<16} {where}")
    click.echo("  村民 / villagers: open a village's address (the kiosk); no sign-in")
    click.echo(f"  短信 / text messages: {network.folder(root, network.NODES[0]) / 'sms-sent.jsonl'}")
    click.echo(f"  日志 / logs: {root}/*/node.log")


@click.group(invoke_without_command=True)
@click.option("--data", "data_dir", default="demo-data", show_default=True, type=click.Path(file_okay=False),
              help="where the demo nodes keep their data between runs")
@click.option("--fresh", is_flag=True, help="delete the demo data and start over")
@click.option("--base-port", type=click.IntRange(1024, 65000), default=8100, show_default=True,
              help="web ports are this and the next 9; sync ports start 20 above it")
@click.option("--traffic", type=click.IntRange(1, 10000), default=None, metavar="N",
              help="once up, play N villagers applying and staff deciding (one township goes down meanwhile)")
@click.option("--smoke", is_flag=True, help="in a temporary folder: one application through every tier and back, "
                                             "then exit (0 when every step passed)")
@click.pass_context
def demo(ctx, data_dir, fresh, base_port, traffic, smoke):
    """Start the demo county and print every node's address and the logins; Ctrl-C stops everything.

    While it runs, `sanji demo stop CODE` and `sanji demo start CODE` (same --data) take one node down
    and bring it back, for an outage drill; a node that stops by itself is reported and the rest go on.
    """
    ctx.ensure_object(dict)["data_dir"] = data_dir
    if ctx.invoked_subcommand:
        return
    if smoke:
        from ..demo import smoke as smoke_mod  # lazy: it loads requests (~30 ms), which most commands never use
        click.echo("冒烟测试 / smoke test:")
        smoke_mod.run(click.echo, None if base_port == 8100 else base_port)
        return
    root = Path(data_dir)
    if fresh and root.exists():
        shutil.rmtree(root)
    if not (network.folder(root, network.NODES[0]) / "sanji.toml").exists():
        click.echo("正在建立示范县（10 个节点和几周的历史数据）/ building the demo county (10 nodes, a few weeks of history)…")
    network.build(root, base_port)
    net = network.Network(root, base_port)
    stopping = False

    def stop(*_):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    # Ctrl-C stops the demo however it was started (a shell's background job inherits SIGINT ignored,
    # and the nodes would outlive it).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        net.start_all()
        _table(net, root)
        if traffic:
            from ..demo import traffic as traffic_mod  # lazy, as smoke above
            click.echo(f"\n模拟办事 / playing {traffic} villagers and the staff (乡镇 {traffic_mod.CUT_TOWNSHIP} 暂时断网):")
            with click.progressbar(length=2 * traffic, label="  申请与办理 / applying and deciding") as bar:
                result = traffic_mod.play(net, traffic, bar.update)
            click.echo("  " + ", ".join(f"{k} {v}" for k, v in result.items()))
        click.echo("\n  按 Ctrl-C 停止 / press Ctrl-C to stop;"
                   f" 演练断网 / outage drill: sanji demo --data {data_dir} stop|start CODE\n")
        control.open_for(root)
        reported = set()
        while not stopping:
            for line in control.serve_requests(root, net):
                click.echo("  " + line)
            for code, proc in net.procs.items():
                if proc.poll() is not None and code not in reported:
                    reported.add(code)
                    node = network.BY_CODE[code]
                    click.echo(f"  节点已停止 / node stopped: {code} {node.name} (exit {proc.returncode}); the others go on."
                               f" Restart it: sanji demo --data {data_dir} start {code}")
            reported &= {c for c, p in net.procs.items() if p.poll() is not None}
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        control.close_for(root)
        net.stop_all()
        click.echo("已停止 / stopped")


def _drill(verb, what):
    @demo.command(verb, help=what)
    @click.argument("code")
    @click.option("--data", "sub_data", default=None, type=click.Path(file_okay=False),
                  help="the running demo's data folder")
    @click.pass_context
    def command(ctx, code, sub_data):
        click.echo(control.ask(Path(sub_data or ctx.obj["data_dir"]), verb, code))
    return command


demo_stop = _drill("stop", "Stop one node of the running demo (its villages keep working offline).")
demo_start = _drill("start", "Start again a node of the running demo that was stopped.")
