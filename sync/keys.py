"""Key files of a node and their rotation (see docs/protocol.md § Keys).

keys/node.key, node.key_secret       the pair in use
keys/node.key.next, .key_secret.next the next pair, announced to the peers before it is used
keys/node.key.old, .key_secret.old   the pair last replaced
keys/parent.keys                     the parent's trusted public keys, the one that worked first
"""
from pathlib import Path

import zmq.auth

from common.errors import ConfigError

PAIR = ("node.key", "node.key_secret")


def public_of(path: str | Path) -> str:
    """The z85 public key (str) in a certificate file."""
    return zmq.auth.load_certificate(str(path))[0].decode()


def next_public(keys_dir: str | Path) -> str | None:
    """The announced next public key, or None."""
    path = Path(keys_dir) / "node.key.next"
    return public_of(path) if path.exists() else None


def own_publics(keys_dir: str | Path) -> set[str]:
    """Every public key this node holds or trusts as its parent's (none of them may be a child's)."""
    keys_dir = Path(keys_dir)
    out = {public_of(keys_dir / name) for name in ("node.key", "node.key.next", "node.key.old")
           if (keys_dir / name).exists()}
    path = keys_dir / "parent.keys"
    return out | set(path.read_text().split() if path.exists() else ())


def prepare_next(keys_dir: str | Path) -> str:
    """Make the next key pair (kept aside until `activate`); returns its public key."""
    keys_dir = Path(keys_dir)
    existing = next_public(keys_dir)
    if existing:
        return existing
    tmp = keys_dir / "next.tmp"
    tmp.mkdir(exist_ok=True)
    zmq.auth.create_certificates(str(tmp), "node")
    for name in PAIR:
        (tmp / name).replace(keys_dir / f"{name}.next")
    tmp.rmdir()
    (keys_dir / "node.key_secret.next").chmod(0o600)
    public = next_public(keys_dir)
    assert public is not None  # the pair was put in place just above
    return public


def activate(keys_dir: str | Path) -> str:
    """Put the next pair in use (node stopped); the old pair is kept as *.old. Returns the new public key."""
    keys_dir = Path(keys_dir)
    if not (keys_dir / "node.key.next").exists():
        raise ConfigError("没有待启用的新密钥 / no next key to activate", fix="run sanji keys rotate first")
    for name in PAIR:
        (keys_dir / name).replace(keys_dir / f"{name}.old")
        (keys_dir / f"{name}.next").replace(keys_dir / name)
    return public_of(keys_dir / "node.key")


def trust_parent(keys_dir: str | Path, public: str, first: bool = False) -> list[str]:
    """Add PUBLIC to the trusted parent keys (at the front when FIRST); returns the list."""
    path = Path(keys_dir) / "parent.keys"
    current = [k for k in (path.read_text().split() if path.exists() else []) if k != public]
    current = [public] + current if first else current + [public]
    tmp = path.with_suffix(".tmp")
    tmp.write_text("\n".join(current) + "\n")
    tmp.replace(path)
    return current
