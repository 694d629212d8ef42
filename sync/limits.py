"""Every number that bounds or paces a sync link, in one place.

docs/protocol.md § 13 (Implementation limits) states each of them with the name it has here, and
tests/docs/test_protocol_doc.py compares the two, so the spec cannot drift from the code. Module constants are
fixed by the protocol or by this implementation; `Limits` holds the per-link sizes a test or a
bench may tune (an Endpoint takes one).
"""
from common.replication import CHILD_AHEAD_MS
from common.store.blobs import CHUNK, MAX_BLOB

# ---- frames (checked in wire.decode before anything is allocated) ---------------------------------

PROTOCOL_VERSION = 1
MAX_FRAME = 8 * 1024 * 1024          # ZMQ_MAXMSGSIZE (plus FRAME_SLACK): larger frames drop the connection
FRAME_SLACK = 1024                   # framing around the largest frame msgpack can make of MAX_FRAME bytes
MAX_BATCH_RAW = 32 * 1024 * 1024     # decompressed batch limit (no zstd bombs)
MAX_ENTRIES = 500                    # entries in one batch a receiver takes (senders send at most Limits.batch_count)
MAX_BATCH_BODIES = 1024 * 1024       # bytes of bodies in a batch of more than one entry
MAX_SEQ = 2 ** 53 - 1                # sequence numbers, acks, queue depths: exact in every language's numbers
MAX_CHUNK = CHUNK                    # bytes of data in one blob_chunk
MAX_BLOB_SIZE = MAX_BLOB             # a blob's total size (a photo or scan of a material)
MIN_CHUNK = 4 * 1024                 # the smallest chunk a sender serves, whatever `max` asks
MAX_SUB = 1000                       # rows of a ping's subtree report (and entries of its names)
MAX_LIVE = 64 * 1024                 # a whole live frame (signalling: an SDP offer is a few kB)
KEY_LEN = 40                         # a z85 CurveZMQ public key
SHA_LEN = 64                         # a sha256 in lowercase hex
MAX_KIND = 16                        # a batch entry's kind
MAX_MSG_ID = 128                     # a batch entry's message id
MAX_SUBJECT = 32                     # a batch entry's subject (a division code)

# ---- session timing ---------------------------------------------------------------------------------

HEARTBEAT = 2.0          # seconds: `welcome.hb`, a ping after this long without sending
MISSED_BEATS = 3         # beats of silence (plus the chunks asked for) before a link is down
CHUNKS_AHEAD_MAX = 30.0  # seconds, at most, added to that allowance for chunks still crossing
BAD_BLOB_RETRY_MAX = 300.0  # seconds, at most, before a blob that failed its check is asked for again (5 s, doubling)
HELLO_TIMEOUT = 5.0      # the first wait for a welcome …
HELLO_TIMEOUT_MAX = 40.0 # … doubled after each attempt without one: a handshake is ~5 round trips
                         # (TCP, ZMTP greeting, CurveZMQ, hello), 10 s on a 2 s GPRS round trip
BACKOFF_BASE = 0.5       # seconds: reconnect after uniform(0, min(BACKOFF_CAP, BACKOFF_BASE × 2^attempt))
BACKOFF_CAP = 30.0
RECV_PER_TURN = 200      # frames read in one turn of a loop before it sends (one busy peer cannot starve the rest)
POLL_MS = 20             # a loop's wait for a frame before it does its other work
CLOCK_ALARM_MS = CHILD_AHEAD_MS  # a peer's heartbeat this far off our clock raises the 'clock' alarm
ALARM_REFRESH_S = 60     # an alarm's detail (a clock's offset) is rewritten at most this often
STATS_EVERY = 2.0        # seconds between writes of a link's byte counts and rates (and its held events' tick)

# ---- socket options (sockets.common_options, the DEALER in client.py) -----------------------------

HWM = 10_000             # frames queued per socket each way (ZMQ_SNDHWM, ZMQ_RCVHWM)
KEEPALIVE_IDLE = 10      # seconds of TCP silence before the first keepalive probe
KEEPALIVE_INTVL = 5      # seconds between probes
KEEPALIVE_CNT = 3        # unanswered probes before TCP gives the connection up
HANDSHAKE_S = 10         # seconds a ZMTP/CurveZMQ handshake may take (ZMQ_HANDSHAKE_IVL)
RECONNECT_S = 1          # the DEALER's first reconnect interval (ZMQ_RECONNECT_IVL) …
RECONNECT_MAX_S = 30     # … growing to this (ZMQ_RECONNECT_IVL_MAX)

# ---- what a node keeps about its links (sync/store.py) ---------------------------------------------

MAX_QUARANTINED = 1000               # messages quarantined per link; past it the link stops acknowledging (an alarm)
QUARANTINE_KEEP = 64 * 1024          # bytes of a quarantined body kept whole (an event is a few kB: it can be retried)
QUARANTINE_LINK_BYTES = 1024 * 1024  # past this many bytes of bodies from one link, only a prefix is kept
QUARANTINE_PREFIX = 256              # … of this many bytes
MAX_HELD = 10_000                    # events held per link; past it they are quarantined (an alarm, not a backlog)
MAX_HELD_BYTES = 8 * 1024 * 1024     # and bytes of their bodies
MAX_REFUSAL_ROWS = 1000              # (peer, reason) pairs kept; the least recent go first
MAX_PENDING = 200                    # strangers' keys kept as pending; the least recently seen go first
PRUNE_SLACK = 50                     # rows past a bound before it is enforced on insert (not one DELETE per row of a flood)
PRUNE_EVERY = 60.0                   # seconds between bounding the refusal and pending tables anyway


class Limits:
    """Tunable sizes of a link (defaults suit a slow village line and a 2-core hub)."""

    batch_count = 250        # small enough that the next hop starts early (pipelining), large enough to amortise a commit
    batch_bytes = 1024 * 1024
    window = 2000            # unacknowledged messages in flight
    batches_in_flight = 2    # unacknowledged batch frames: what a live frame may have to wait behind
    retry_after = 10.0       # seconds without ack progress before resending from the last ack
    persist_acks_every = 1.0 # seconds: the acked position is saved lazily (resends are harmless)
    blob_requests = 2        # blob chunks requested at once
    blob_retry = 5.0         # seconds before asking again for a blob the peer lacks
    # An idle line's heartbeats cost ~330 KB an hour at one every 2 s (each ~130 B with TCP/IP,
    # and the ACK of the other side's): on a metered GPRS plan, a village pays for silence. After
    # `idle_after` seconds without anything but heartbeats, both sides beat every `hb_idle` s
    # (negotiated: hello offers it, welcome confirms); the first real frame brings the fast beat back.
    idle_after = 30.0
    hb_idle = 10.0
    # A slow line (64 kbit/s) must never carry a frame that takes longer than a fraction of the
    # liveness window (3 heartbeats), and new work must not wait long behind bulk: chunks and
    # batches are sized to the rate measured on the link, starting small.
    chunk_seconds = 1.5      # a blob chunk is about this much of the measured inbound rate (~12 KiB at 64 kbit/s)
    first_chunk = 16 * 1024  # before anything is measured (2 s at 64 kbit/s, 4 s at 32)
    batch_seconds = 1.5      # a batch frame is about this much of the measured outbound rate …
    first_batch = 64 * 1024  # … and this many bytes of bodies before anything is measured
    min_batch = 16 * 1024    # the least a measured rate sizes a batch to (a frame's overhead must stay small)
    squeeze = 4              # what zstd makes of event bodies (about; bodies are counted before it)
    max_depth = 4            # chunks of one blob asked for ahead, at most (see Endpoint.pipeline_depth)
