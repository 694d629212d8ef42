"""sanji nodes list / accept / reject / revoke / add: child nodes' keys, enrolled like salt-key."""
import click

from sync import store
from sync.sockets import load_keys

from ..domain.nodes import is_child
from ..errors import NotFound, ValidationError
from ..store import audit
from ..store.db import transaction
from .keys_cmds import read_key
from .options import data_option, echo_json, json_option, open_for_cli


def register(cli):
    """Add these commands to the sanji CLI."""
    cli.add_command(nodes)


def _one(conn, ref):
    rows = store.find(conn, ref)
    if not rows:
        raise NotFound(f"没有匹配 {ref!r} 的节点密钥 / no node key matches", fix="`sanji nodes list` shows them")
    if len(rows) > 1:
        raise ValidationError(f"{ref!r} 匹配多个密钥 / matches several keys", fix="give more of the fingerprint")
    return rows[0]


@click.group()
def nodes():
    """Child nodes and their keys: pending → accepted, rejected or revoked."""


@nodes.command("list")
@data_option
@click.option("--status", type=click.Choice(store.STATUSES), default=None)
@json_option
def nodes_list(data_dir, status, as_json):
    """List enrolled and pending child keys."""
    _, conn = open_for_cli(data_dir)
    rows = store.nodes(conn, status)
    if as_json:
        return echo_json(rows)
    for r in rows:
        click.echo(f"{r['status']:<9} {r['fingerprint']}  code={r['code'] or '-':<13}"
                   f" last seen {r['last_seen']} from {r['address'] or '?'}")


def _decide(data_dir, ref, status, code=None):
    cfg, conn = open_for_cli(data_dir)
    row = _one(conn, ref)
    code = code or row["code"] or row["claimed"]
    if status == "accepted" and not code:
        raise ValidationError("请用 --code 指明这是哪个下级节点 / say which child this key belongs to",
                              fix="compare the fingerprint with `sanji keys show` on the child, then add --code CODE")
    if status == "accepted" and not is_child(code, cfg["code"]):
        raise ValidationError(f"{code!r} 不是本节点 {cfg['code']} 的下级 / not a child of this node",
                              fix="give --code with the child's division code")
    with transaction(conn):
        store.decide(conn, row["public_key"], status, code)
        audit.record(conn, "cli", f"node.{status}", code or row["fingerprint"], {"fingerprint": row["fingerprint"]})
    click.echo(f"{row['fingerprint']} → {status}{' as ' + code if status == 'accepted' else ''}")


@nodes.command("accept")
@click.argument("ref")
@click.option("--code", default=None, help="the child's division code (required for a new key)")
@data_option
def nodes_accept(ref, code, data_dir):
    """Accept a pending key (by fingerprint prefix); any older key of that node is revoked."""
    _decide(data_dir, ref, "accepted", code)


@nodes.command("reject")
@click.argument("ref")
@data_option
def nodes_reject(ref, data_dir):
    """Reject a pending key."""
    _decide(data_dir, ref, "rejected")


@nodes.command("revoke")
@click.argument("ref")
@data_option
def nodes_revoke(ref, data_dir):
    """Revoke a key (by fingerprint), or every key of a node (by its code), at once (no restart needed)."""
    cfg, conn = open_for_cli(data_dir)
    if is_child(ref, cfg["code"]):
        with transaction(conn):
            n = store.revoke_code(conn, ref)
            audit.record(conn, "cli", "node.revoked", ref, {"keys": n})
        click.echo(f"{ref}: {n} key(s) → revoked")
        return
    _decide(data_dir, ref, "revoked")


@nodes.command("add")
@click.argument("code")
@click.option("--key", "key", required=True, help="the child's public key (z85 text, or its node.key file)")
@click.option("--force", is_flag=True, help="enrol a key already enrolled for another code under this one instead")
@data_option
def nodes_add(code, key, force, data_dir):
    """Enrol a child's key directly, e.g. when it was handed over on a USB stick."""
    cfg, conn = open_for_cli(data_dir)
    if not is_child(code, cfg["code"]):
        raise ValidationError(f"{code!r} 不是本节点的下级 / not a child of {cfg['code']}")
    public = read_key(key)
    if public == load_keys(cfg.keys_dir)[0].decode():
        raise ValidationError("这是本节点自己的公钥 / that is this node's own key",
                              fix="give the child's keys/node.key, not this node's")
    known = store.node_by_key(conn, public)
    if known and known.get("code") not in (None, "", code) and known.get("status") == "accepted" and not force:
        raise ValidationError(f"这个公钥已登记为 {known['code']} / the key is already enrolled as {known['code']}",
                              fix=f"check the file; to move it to {code} anyway add --force")
    with transaction(conn):
        store.add_accepted(conn, public, code)
        audit.record(conn, "cli", "node.accepted", code, {"fingerprint": store.fingerprint(public)})
    click.echo(f"{store.fingerprint(public)} accepted as {code}")
