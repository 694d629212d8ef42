"""Origin signatures on events: every event is signed by the node that made it (Ed25519).

A node's identity on a link comes from its CurveZMQ key, but an event travels further than one
link: a township relays a village's events to the county, and a child re-offers its parent's own
events after the parent was restored. The signature lets every node that stores an event check
that its origin really made it, so no tier can speak for another (docs/protocol.md § Signatures).

Signed bytes: b"sanji-event-1\\0" + the JSON array [id, app_id, origin, hlc, actor, type, payload]
(UTF-8, no whitespace, object keys sorted, non-ASCII as is: orjson with OPT_SORT_KEYS).
"""
import time

import nacl.exceptions
import nacl.signing
import orjson

from .errors import ValidationError
from .store import meta, node_keys
from .store.db import transaction

DOMAIN = b"sanji-event-1\0"
FIELDS = ("id", "app_id", "origin", "hlc", "actor", "type", "payload")
SIG_LEN = 128   # hex of a 64-byte Ed25519 signature
KEY_LEN = 64    # hex of a 32-byte Ed25519 public key
_keys: dict[str, nacl.signing.SigningKey] = {}  # seed hex -> SigningKey (derived once per process)


def signed_bytes(event):
    """The bytes an event's signature covers."""
    return DOMAIN + orjson.dumps([event[f] for f in FIELDS], option=orjson.OPT_SORT_KEYS)


def _signing_key(conn):
    seed = meta.get(conn, "sign_seed")
    if seed is None:  # made at `sanji init`; a node from before signatures makes its own on first use
        seed = nacl.signing.SigningKey.generate().encode().hex()
        meta.put(conn, "sign_seed", seed)
    if seed not in _keys:
        _keys[seed] = nacl.signing.SigningKey(bytes.fromhex(seed))
    return _keys[seed]


def public_key(conn):
    """This node's signing public key (hex); made on first use (call inside a write transaction)."""
    return _signing_key(conn).verify_key.encode().hex()


def ensure(conn, me):
    """Make this node's signing key if it has none, and list it in the key directory under ME.

    Also records `signing_since` (Unix ms): events a child made before that, unsigned, are from
    before this node signed anything (an upgrade), and are taken as they were before.
    """
    with transaction(conn):
        if meta.get(conn, "signing_since") is None:
            meta.put(conn, "signing_since", str(int(time.time() * 1000)))
        key = public_key(conn)
        node_keys.add(conn, me, key, "self")
    return key


def signing_since(conn):
    """The HLC prefix (13-digit Unix ms) from which this node requires signatures of its children."""
    return str(meta.get(conn, "signing_since") or "0").zfill(13)


def sign(conn, event):
    """EVENT with its `sig`: signed with this node's key (inside the transaction that stores it)."""
    return dict(event, sig=_signing_key(conn).sign(signed_bytes(event)).signature.hex())


def is_key(text):
    """True when TEXT has the form of a signing public key (64 lowercase hex digits)."""
    return isinstance(text, str) and len(text) == KEY_LEN and all(c in "0123456789abcdef" for c in text)


def check(conn, event, cache=None, required=True):
    """Raise ValidationError unless EVENT carries a valid signature of a key enrolled for its origin.

    Not REQUIRED (events from the parent, which may predate signatures): an unsigned event, or one
    whose origin's key is not known here, passes; a signature that does not verify never does.
    CACHE (a dict kept for one batch) saves looking the same origin's keys up again.
    """
    sig = event.get("sig")
    if sig is None and not required:
        return
    if not isinstance(sig, str) or len(sig) != SIG_LEN:
        raise ValidationError("事件没有来源签名 / the event carries no origin signature",
                              fix="every event is signed by the node that made it; upgrade that node")
    cache = {} if cache is None else cache
    origin = event["origin"]
    if origin not in cache:
        cache[origin] = [nacl.signing.VerifyKey(bytes.fromhex(k)) for k in node_keys.of(conn, origin)]
    if not cache[origin]:
        if not required:
            return
        raise ValidationError(f"不知道节点 {origin[:20]} 的签名密钥 / no signing key is enrolled for {origin[:20]}",
                              fix="its key reaches this node when that node (or the child above it) connects")
    try:
        data, raw = signed_bytes(event), bytes.fromhex(sig)
    except (TypeError, ValueError, orjson.JSONEncodeError):
        raise ValidationError("事件无法规范化签名 / the event cannot be put in signed form") from None
    for key in cache[origin]:
        try:
            key.verify(data, raw)
            return
        except nacl.exceptions.BadSignatureError:
            continue
    raise ValidationError(f"事件签名不符：它不是 {origin[:20]} 发出的 / the signature is not {origin[:20]}'s",
                          fix="quarantined: an event may be sent on only as its origin signed it")
