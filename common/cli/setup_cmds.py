"""sanji init / config: make a node's data folder, and list the settings it reads."""
import re

import click

from .. import config as config_mod
from ..domain.nodes import parent_of
from ..errors import ValidationError
from ..node import init_node
from .options import echo_json, json_option


def register(cli):
    """Add these commands to the sanji CLI."""
    cli.add_command(init)
    cli.add_command(show_config)


SYNC_PORTS = {"county": 7000, "township": 7001, "village": 0}  # init's defaults: children need one to link to
PARENT_RE = re.compile(r"^tcp://[A-Za-z0-9.\-]+:[0-9]{1,5}$")
HOST_RE = re.compile(r"^[A-Za-z0-9.\-:]{1,253}$")


@click.command()
@click.argument("tier", type=click.Choice(config_mod.TIERS))
@click.option("--name", required=True, help="display name, e.g. 凤县政务服务中心")
@click.option("--code", required=True, help="division code: 6 digits county, 9 township, 12 village")
@click.option("--data", "data_dir", required=True, type=click.Path(file_okay=False), help="new data folder")
@click.option("--parent", default="", help="parent's sync endpoint tcp://HOST:PORT (township, village)")
@click.option("--web-port", type=click.IntRange(0, 65535), default=8000, show_default=True)
@click.option("--web-host", default="127.0.0.1", show_default=True,
              help="address the web UI listens on: 0.0.0.0 (or this machine's LAN address) for staff PCs")
@click.option("--sync-port", type=click.IntRange(0, 65535), default=None,
              help=f"port its children link to: default {SYNC_PORTS['county']} at a county, {SYNC_PORTS['township']} "
                   "at a township; 0: no child links (a village has none)")
@click.option("--sync-host", default="127.0.0.1", show_default=True,
              help="address child links are accepted on: 0.0.0.0 (or this machine's LAN address) for other machines")
@click.option("--admin-password", envvar="SANJI_ADMIN_PASSWORD", default=None,
              help="password of the first admin account (default: generated and printed once)")
@click.option("--catalog", "catalog_file", type=click.Path(exists=True, dir_okay=False), default=None,
              help="catalog YAML to start with (default: the shipped county catalog)")
def init(tier, name, code, data_dir, parent, web_port, web_host, sync_port, sync_host, admin_password, catalog_file):
    """Create a node's data folder: config, database, keys, calendar, catalog and an admin account."""
    if tier != "county" and parent and code and parent_of(code) is None:
        raise ValidationError(f"区划代码 {code} 不是 {tier} 级代码", fix="9 digits for a township, 12 for a village")
    if parent and not PARENT_RE.match(parent):
        raise ValidationError(f"--parent {parent!r} 不是同步地址 / not a sync endpoint", fix="tcp://HOST:PORT, e.g. tcp://10.1.0.10:7000")
    for flag, host in (("--web-host", web_host), ("--sync-host", sync_host)):
        if not HOST_RE.match(host):
            raise ValidationError(f"{flag} {host!r} 不是地址 / not an address", fix="an IP address or host name, e.g. 0.0.0.0")
    if tier == "county" and parent:
        raise ValidationError("县级节点没有上级 / a county has no parent", fix="leave --parent out for the county")
    if parent and not 0 < int(parent.rsplit(":", 1)[1]) < 65536:
        raise ValidationError(f"--parent {parent!r} 的端口无效 / bad port", fix="a port from 1 to 65535")
    sync_port = SYNC_PORTS[tier] if sync_port is None else sync_port
    if sync_port and sync_port == web_port:
        raise ValidationError("同步端口和网页端口不能相同 / the sync and web ports must differ",
                              fix=f"e.g. --web-port {web_port} --sync-port {SYNC_PORTS.get(tier) or 7000}")
    if tier == "village" and sync_port:
        raise ValidationError("村级节点没有下级，不需要同步端口 / a village has no children: no --sync-port",
                              fix="leave --sync-port out for a village")
    if tier != "county" and not parent:
        click.echo("  注意 / note: no --parent: set `parent` in sanji.toml (the parent's tcp://HOST:PORT)"
                   " before it can link", err=True)
    cfg, password = init_node(data_dir, tier, name, code, parent,
                              {"web_port": web_port, "web_host": web_host, "sync_port": sync_port,
                               "sync_host": sync_host}, admin_password, catalog_file)
    click.echo(f"已创建{tier}节点 {name} ({code}) 于 {cfg.data_dir}")
    click.echo(f"  public key: {cfg.keys_dir / 'node.key'}")
    if not admin_password:
        click.echo(f"  管理员 admin 的初始密码 / initial admin password: {password}")
    click.echo(f"  web: http://{web_host}:{web_port}/")
    for line in link_notes(tier, sync_host, sync_port):
        click.echo(line)
    click.echo(f"  start it: sanji serve --data {data_dir}")


def link_notes(tier, sync_host, sync_port):
    """What `init` says about child links: where children connect, or why they cannot."""
    if tier == "village":
        return []
    if not sync_port:
        return ["  注意 / note: sync_port 0: no child can link to this node (set sync_port in sanji.toml)"]
    lines = [f"  children link to: tcp://{'THIS-MACHINE' if sync_host in ('0.0.0.0', '') else sync_host}:{sync_port}"
             "  (their --parent)"]
    if sync_host.startswith("127.") or sync_host == "localhost":
        lines.append("  注意 / note: sync_host is loopback: only nodes on this machine can link; use --sync-host "
                     "0.0.0.0 or this machine's LAN address for children elsewhere")
    return lines


@click.command("config")
@click.option("--data", "data_dir", default=None, envvar="SANJI_DATA", help="show this node's values too")
@json_option
def show_config(data_dir, as_json):
    """List every setting with its default (and this node's value)."""
    values = dict(config_mod.load(data_dir)) if data_dir else {}
    rows = [{"key": s.key, "default": s.default, "value": values.get(s.key, s.default), "help": s.help}
            for s in config_mod.DEFAULTS]
    if as_json:
        return echo_json(rows)
    for r in rows:
        click.echo(f"{r['key']:<24} {r['value']!s:<24} {r['help']}")
