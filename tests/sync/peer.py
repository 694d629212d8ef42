"""A child that speaks the sync protocol by hand over real CurveZMQ: a second implementation, honest or not.

Written from docs/protocol.md, not from sync/: what it sends is exactly what a tampered kiosk could
send. `HonestChild` runs one in a thread and measures how long the parent takes to acknowledge.
"""
import statistics
import threading
import time

import msgpack
import nacl.signing
import orjson
import zmq
import zmq.auth

from common.ids import new_tracking_code, uuid7
from common.node import open_db
from common.store import catalog
from sync import wire

# From docs/protocol.md (§ Signatures, § Event payloads), not from the code under test.
SIGNED_PREFIX = b"sanji-event-1\0"
SIGNED_FIELDS = ("id", "app_id", "origin", "hlc", "actor", "type", "payload")
SNAPSHOT_KEYS = ("code", "name", "department", "accept_tier", "decide_tier", "case_type", "fee", "legal_days",
                 "promised_days", "flow", "materials")


def signed_bytes(event):
    return SIGNED_PREFIX + orjson.dumps([event[f] for f in SIGNED_FIELDS], option=orjson.OPT_SORT_KEYS)


APPLICANT = {"name": "赵六", "id_number": "11010519440119002X", "phone": "13700000000"}
COMPANY = {"company": "示范县东岭建筑工程有限公司", "uscc": "91350100M000100Y43", "legal_rep": "周九"}  # catalog `applicant: company`
FORM = {"MZ-001": {"bank_account": "6222020200112233445"}, "RS-003": {"delivery": "乡镇便民服务中心领取"},
        "ZJ-003": {"project_name": "村级仓库", "floor_area": 300}}


class RawPeer:
    """A DEALER with CFG's enrolled key (or KEYPAIR), connected to PARENT_CFG's sync port."""

    def __init__(self, cfg, parent_cfg, keypair=None):
        self.code = cfg["code"]
        public, secret = keypair or zmq.auth.load_certificate(str(cfg.keys_dir / "node.key_secret"))
        self.public = public.decode()
        parent_public = zmq.auth.load_certificate(str(parent_cfg.keys_dir / "node.key"))[0]
        self.ctx = zmq.Context()
        self.sock = self.ctx.socket(zmq.DEALER)
        self.sock.setsockopt(zmq.LINGER, 0)
        self.sock.curve_publickey, self.sock.curve_secretkey, self.sock.curve_serverkey = public, secret, parent_public
        self.sock.connect(f"tcp://127.0.0.1:{parent_cfg['sync_port']}")
        self.signer = nacl.signing.SigningKey.generate()
        self.sign_key = self.signer.verify_key.encode().hex()
        self.seq = 0
        self.snapshots, self.companies = {}, set()
        self.seen = []  # frames other than acks, batches and pings that arrived while waiting for something else

    def close(self):
        self.sock.close(0)
        self.ctx.term()

    def send(self, kind, **fields):
        self.sock.send(wire.encode(kind, **fields))

    def send_map(self, frame):
        """Send FRAME (a dict) packed as is, fields and all, unchecked."""
        self.sock.send(msgpack.packb(frame, use_bin_type=True))

    def recv(self, timeout=5.0):
        """The next decoded frame, or None after TIMEOUT seconds."""
        if not self.sock.poll(int(timeout * 1000)):
            return None
        return msgpack.unpackb(self.sock.recv(), raw=False, strict_map_key=False)

    def expect(self, kinds, timeout=5.0):
        """The first frame whose type is in KINDS (others are answered as a child would), or None."""
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            msg = self.recv(left)
            if msg is None:
                return None
            if msg.get("t") in kinds:
                return msg
            self.answer(msg)
        return None

    def answer(self, msg):
        """What an honest child does with a frame it does not wait for: ack batches; the rest is kept in `seen`."""
        if msg.get("t") == "batch":
            self.send("ack", upto=msg["last"])
        elif msg.get("t") != "ping" and len(self.seen) < 1000:
            self.seen.append(msg)

    def hello(self, **fields):
        """Open a session; returns the welcome (or the error) frame."""
        frame = dict(node=self.code, epoch="e-" + self.code, parent_epoch="", up_acked=self.seq, up_last=self.seq,
                     down_recv=0, have={"catalog": 10 ** 6, "calendar": 10 ** 6, "notices": 10 ** 6},
                     sign_key=self.sign_key)
        frame.update(fields)
        self.send("hello", **{k: v for k, v in frame.items() if v is not None})
        return self.expect(("welcome", "error"))

    def sign(self, event, signer=None):
        return dict(event, sig=(signer or self.signer).sign(signed_bytes(event)).signature.hex())

    def event(self, app_id, kind, payload, origin=None, signer=None, hlc_ms=None):
        """A signed event (by SIGNER, default this peer's key) of ORIGIN (default this peer)."""
        origin = origin or self.code
        ms = hlc_ms or int(time.time() * 1000)
        event = {"id": uuid7(), "app_id": app_id, "origin": origin, "hlc": f"{ms:013d}-0000-{origin}",
                 "actor": "kiosk", "type": kind, "payload": payload}
        return self.sign(event, signer)

    def submitted(self, parent_cfg, item="MZ-001", materials=(), **snapshot_changes):
        """A `submitted` event for ITEM as the parent's catalog has it (SNAPSHOT_CHANGES: a tampered copy)."""
        if item not in self.snapshots:
            conn = open_db(parent_cfg)
            try:
                it = catalog.item(conn, item)
                self.snapshots[item] = dict({k: it[k] for k in SNAPSHOT_KEYS}, version=catalog.current_version(conn))
                if it.get("applicant") == "company":
                    self.companies.add(item)
            finally:
                conn.close()
        snap = dict(self.snapshots[item], **snapshot_changes)
        payload = {"tracking_code": new_tracking_code(), "item": snap, "applicant": dict(APPLICANT, **(COMPANY if item in self.companies else {})),
                   "form": FORM.get(item, {}), "materials": list(materials), "proxy_by": ""}
        return self.event(uuid7(), "submitted", payload)

    def batch(self, *events, timeout=5.0):
        """Send EVENTS as the next batch; returns the ack's `upto` (None: no ack in time)."""
        entries = []
        for e in events:
            self.seq += 1
            kind = "node_key" if "sign_key" in e else "event"
            entries.append((self.seq, kind, e.get("id", f"key-{e.get('code')}"), self.code,
                            msgpack.packb(e, use_bin_type=True)))
        self.sock.send(wire.pack_batch(entries))
        ack = self.expect(("ack",), timeout)
        return ack["upto"] if ack else None


class HonestChild(threading.Thread):
    """CFG's node as an honest second implementation: one new application a round, ack latency measured."""

    def __init__(self, cfg, parent_cfg, every=0.2):
        super().__init__(daemon=True)
        self.cfg, self.parent_cfg, self.every = cfg, parent_cfg, every
        self.latencies, self.lost, self.sent_ids = [], 0, []
        self.allowed_losses = 0  # sessions a test may cost it (a parent restarted on purpose)
        self.peer = None
        self.stopping = threading.Event()
        self.welcomed = threading.Event()
        self.error = None

    def run(self):
        peer = self.peer = RawPeer(self.cfg, self.parent_cfg)
        try:
            welcome = peer.hello()
            assert welcome and welcome["t"] == "welcome", welcome
            peer.seq = welcome["up_recv"]
            self.welcomed.set()
            while not self.stopping.is_set():
                event = peer.submitted(self.parent_cfg)
                started = time.monotonic()
                upto = peer.batch(event, timeout=10)
                if upto == peer.seq:
                    self.latencies.append(time.monotonic() - started)
                    self.sent_ids.append(event["app_id"])
                else:
                    self.lost += 1
                    welcome = peer.hello()  # the session was lost: open it again, as a child would
                    peer.seq = welcome["up_recv"] if welcome and welcome["t"] == "welcome" else peer.seq
                self.stopping.wait(self.every)
        except Exception as exc:  # reported by stop()
            self.error = exc
        finally:
            peer.close()

    def stop(self):
        """Stop and return (rounds, p50, max) of the ack latency; raises what failed in the thread."""
        self.stopping.set()
        self.join(20)
        if self.error:
            raise self.error
        assert self.latencies, "the honest child got no ack at all"
        return len(self.latencies), statistics.median(self.latencies), max(self.latencies)
