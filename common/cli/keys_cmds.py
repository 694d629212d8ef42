"""sanji keys show / trust-parent / rotate / activate: this node's CurveZMQ keys and its parent's."""
import struct
from pathlib import Path

import click
import zmq.auth
from zmq.utils import z85

from sync import keys as key_files
from sync import store
from sync.sockets import load_keys

from ..errors import ValidationError
from ..runtime import address_file
from .options import data_option, open_for_cli


def register(cli):
    """Add these commands to the sanji CLI."""
    cli.add_command(keys)


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
    cfg, _ = open_for_cli(data_dir)
    public = read_key(key)
    if not add:
        (cfg.keys_dir / "parent.keys").unlink(missing_ok=True)
    trusted = key_files.trust_parent(cfg.keys_dir, public)
    click.echo(f"trusting parent key {store.fingerprint(public)} ({len(trusted)} trusted)")


@keys.command("rotate")
@data_option
def keys_rotate(data_dir):
    """Make the next key pair and announce it to the peers (the node keeps using its current key)."""
    cfg, _ = open_for_cli(data_dir)
    public = key_files.prepare_next(cfg.keys_dir)
    click.echo(f"next key {store.fingerprint(public)} made. Restart the node so its peers learn it, wait until"
               " they have connected once, then stop it, run `sanji keys activate` and start it again.")


@keys.command("activate")
@data_option
def keys_activate(data_dir):
    """Put the announced next key pair in use (run with the node stopped)."""
    cfg, _ = open_for_cli(data_dir)
    if address_file(cfg).exists():
        raise ValidationError("节点正在运行 / the node is running", fix="stop it before activating the new key")
    public = key_files.activate(cfg.keys_dir)
    click.echo(f"key {store.fingerprint(public)} in use; the old pair is kept as node.key.old")


def read_key(value):
    """The z85 public key in VALUE: 40 z85 characters, or a key file (keys/node.key); ValidationError otherwise."""
    path = Path(value)
    if path.exists():
        try:
            public, _ = zmq.auth.load_certificate(str(path))
        except (OSError, ValueError):
            raise ValidationError(f"{value} 不是公钥文件 / not a key file",
                                  fix="give the node's keys/node.key (made by sanji init), or its 40-character key") from None
        return public.decode()
    try:
        ok = len(value) == 40 and len(z85.decode(value)) == 32
    except (ValueError, KeyError, TypeError, struct.error):
        ok = False
    if not ok:
        raise ValidationError("公钥应为 40 个 z85 字符或 node.key 文件 / a public key is 40 z85 characters",
                              fix="copy the `public key` line of `sanji keys show` on that node, or give its keys/node.key file")
    return value
