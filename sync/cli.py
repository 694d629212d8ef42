"""sanji nodes / keys / sync: enrolment (like salt-key), key management and link status."""
import json
from pathlib import Path

import click

from common.cli.options import data_option, open_for_cli
from common.domain.nodes import is_child
from common.errors import NotFound, ValidationError
from common.store import audit, sync_status
from common.node import shared_clock
from common.store.db import transaction

from . import quarantine, store
from .sockets import load_keys


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
@click.option("--json", "as_json", is_flag=True)
def nodes_list(data_dir, status, as_json):
    """List enrolled and pending child keys."""
    _, conn = open_for_cli(data_dir)
    rows = store.nodes(conn, status)
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
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
    public = _read_key(key)
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


def _read_key(value):
    path = Path(value)
    if path.exists():
        import zmq.auth
        try:
            public, _ = zmq.auth.load_certificate(str(path))
        except (OSError, ValueError):
            raise ValidationError(f"{value} 不是公钥文件 / not a key file",
                                  fix="give the node's keys/node.key (made by sanji init), or its 40-character key") from None
        return public.decode()
    import struct
    from zmq.utils import z85
    try:
        ok = len(value) == 40 and len(z85.decode(value)) == 32
    except (ValueError, KeyError, TypeError, struct.error):
        ok = False
    if not ok:
        raise ValidationError("公钥应为 40 个 z85 字符或 node.key 文件 / a public key is 40 z85 characters",
                              fix="copy the `public key` line of `sanji keys show` on that node, or give its keys/node.key file")
    return value


@click.group()
def keys():
    """This node's CurveZMQ keys and its parent's."""


@keys.command("show")
@data_option
def keys_show(data_dir):
    """Print this node's public key and fingerprint (read the fingerprint to the parent's administrator)."""
    cfg, _ = open_for_cli(data_dir)
    public, _ = load_keys(cfg.keys_dir)
    click.echo(f"public key:  {public.decode()}\nfingerprint: {store.fingerprint(public.decode())}")


# A z85 key may start with "-": an argument click does not know as an option is taken as the key.
@keys.command("trust-parent", context_settings={"ignore_unknown_options": True, "help_option_names": ["--help"]})
@click.argument("key")
@click.option("--add", is_flag=True, help="keep the keys trusted so far (default: trust only this one)")
@data_option
def keys_trust_parent(key, add, data_dir):
    """Pin the parent's public key (z85 text or its node.key file)."""
    from . import keys as key_files
    cfg, _ = open_for_cli(data_dir)
    public = _read_key(key)
    if not add:
        (cfg.keys_dir / "parent.keys").unlink(missing_ok=True)
    trusted = key_files.trust_parent(cfg.keys_dir, public)
    click.echo(f"trusting parent key {store.fingerprint(public)} ({len(trusted)} trusted)")


@keys.command("rotate")
@data_option
def keys_rotate(data_dir):
    """Make the next key pair and announce it to the peers (the node keeps using its current key)."""
    from . import keys as key_files
    cfg, _ = open_for_cli(data_dir)
    public = key_files.prepare_next(cfg.keys_dir)
    click.echo(f"next key {store.fingerprint(public)} made. Restart the node so its peers learn it, wait until"
               " they have connected once, then stop it, run `sanji keys activate` and start it again.")


@keys.command("activate")
@data_option
def keys_activate(data_dir):
    """Put the announced next key pair in use (run with the node stopped)."""
    from common.runtime import address_file
    from . import keys as key_files
    cfg, _ = open_for_cli(data_dir)
    if address_file(cfg).exists():
        raise ValidationError("节点正在运行 / the node is running", fix="stop it before activating the new key")
    public = key_files.activate(cfg.keys_dir)
    click.echo(f"key {store.fingerprint(public)} in use; the old pair is kept as node.key.old")


@click.group("sync")
def sync_group():
    """The sync links."""


@sync_group.command("status")
@data_option
@click.option("--json", "as_json", is_flag=True)
def sync_status_cmd(data_dir, as_json):
    """Link state, queue depths, oldest pending message, quarantine and byte rates."""
    _, conn = open_for_cli(data_dir)
    st = sync_status.status(conn)
    if as_json:
        click.echo(json.dumps(st, ensure_ascii=False, indent=2))
        return
    for ln in st["links"]:
        click.echo(f"{ln['peer']:<13} {ln['state']:<5} since {ln['since'] or '-'}  out {ln['queue_out']:>6}"
                   f"  in {ln['queue_in']:>6}  oldest {ln['oldest_pending_age_s'] or 0:>7}s"
                   f"  {ln['bytes_per_s_out']:.0f} B/s out {ln['bytes_per_s_in']:.0f} B/s in")
    click.echo(f"quarantined {st['quarantined']}  refusals (24h) {st['refusals_24h']}  "
               f"pending enrolments {st['pending_enrolments']}  refused by the parent {st['refused_by_parent']}")
    for a in st["alarms"]:
        click.echo(f"ALARM {a['link']}: {a['alarm']} since {a['since']}: {a['detail']}")
    for h in st["held"]:
        click.echo(f"held from {h['link']}: {h['count']} event(s) waiting for their application,"
                   f" oldest {h['oldest_age_s'] or 0:.0f}s")


@sync_group.group("quarantine")
def quarantine_group():
    """Messages that could not be applied: list, show, retry, drop (audited)."""


@quarantine_group.command("list")
@data_option
@click.option("--json", "as_json", is_flag=True)
def quarantine_list(data_dir, as_json):
    """The newest quarantined messages with why."""
    _, conn = open_for_cli(data_dir)
    rows = quarantine.listing(conn)
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for r in rows:
        click.echo(f"{r['id']:>6}  {r['at'][:19]}  from {r['link']:<13} {r['kind']:<8} {r['msg_id'][:40]:<40}"
                   f"  {r['reason'][:120]}")
    if not rows:
        click.echo("nothing is quarantined")


@quarantine_group.command("show")
@click.argument("qid", type=int)
@data_option
def quarantine_show(qid, data_dir):
    """One quarantined message, its body decoded."""
    _, conn = open_for_cli(data_dir)
    click.echo(json.dumps(quarantine.show(conn, qid), ensure_ascii=False, indent=2, default=repr))


@quarantine_group.command("retry")
@click.argument("qid", type=int)
@data_option
def quarantine_retry(qid, data_dir):
    """Apply a quarantined message again (with every check it met the first time)."""
    cfg, conn = open_for_cli(data_dir)
    quarantine.retry(conn, cfg["code"], shared_clock(conn, cfg), qid, "cli")
    click.echo(f"{qid}: applied")


@quarantine_group.command("drop")
@click.argument("qid", type=int)
@data_option
def quarantine_drop(qid, data_dir):
    """Remove a quarantined message for good."""
    _, conn = open_for_cli(data_dir)
    quarantine.drop(conn, qid, "cli")
    click.echo(f"{qid}: dropped")
