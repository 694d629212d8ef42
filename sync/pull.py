"""The blob half of a link: pulling photos in chunks sized to the line, asked for ahead, in turns
between origins, and serving them (docs/protocol.md § 5). A mixin of sync.endpoint.Endpoint,
which holds the link's connection, limits and counters.
"""
import logging
import math
import sqlite3
import time
from collections import deque
from pathlib import Path
from typing import TYPE_CHECKING, Any

from common.domain.nodes import child_toward
from common.domain.submission import full_copy
from common.errors import NotFound
from common.store import applications, blobs, outbox
from common.store.db import transaction

from . import wire
from .limits import BAD_BLOB_RETRY_MAX, CHUNKS_AHEAD_MAX, MISSED_BEATS, Limits

log = logging.getLogger("sanji.sync")


class BlobPuller:
    """Blob pulling and serving for one link (mixed into Endpoint)."""

    # What Endpoint, the class this is mixed into, holds and does (declared for the type checker).
    conn: sqlite3.Connection
    me: str
    link: str
    data_dir: str | Path
    limits: Limits
    woke_at: float
    bytes_in: int
    bytes_out: int
    bytes_delivered: int
    bytes_resent: int
    blobs_refused: int

    if TYPE_CHECKING:
        def _slower(self) -> None: ...

        def ping_interval(self, heartbeat: float, now: float | None = None) -> float: ...

    def _init_pull(self) -> None:
        # The pulling state of the link (Endpoint.__init__ calls this).
        self.blob_inflight: dict[str, float] = {}   # sha -> when its oldest outstanding chunk was asked for
        # sha -> deque of (offset, size, asked at, bytes asked ahead of it) outstanding, in order
        self.blob_asked: dict[str, deque[tuple[int, int, float, int]]] = {}
        self.rtt_est: float | None = None  # seconds: the shortest request-to-chunk time, less the chunk's own time
        self._wanted_quiet_until = 0.0  # the pull queue was empty: not read again before this
        self.blob_origin: dict[str, str] = {}  # sha -> origin of a blob being pulled
        self._waiting: set[str] = set()  # origins with a photo waiting while every slot is taken by others
        self._turns_checked = 0.0
        # (time, bytes) of the last chunks to arrive on this link
        self._arrivals: deque[tuple[float, int]] = deque(maxlen=8)
        self.blob_backoff: dict[str, float] = {}  # sha -> not before
        self.blob_failures: dict[str, int] = {}   # sha -> times it failed its check on this link (the wait doubles)
        self.rate_in_est: float | None = None  # bytes/s of blob data arriving on this link (per request), measured
        self.served: dict[str, tuple[int, int]] = {}  # sha -> (offset, bytes) of the last chunk we sent of it
        # origin -> when we last asked for one of its photos (turns between villages)
        self.origin_turns: dict[str, float] = {}
        self._wanted, self._wanted_at = (0, 0), 0.0  # blobs.backlog of this link, refreshed once a second

    def _blob_requests(self, now: float) -> list[bytes]:
        frames: list[bytes] = []
        # A chunk is asked for again only once it is overdue at the rate measured: on a slow
        # line the chunks asked for at once take their time, and asking early sends them twice.
        patience = self.limits.retry_after + self._chunks_ahead()
        for sha in list(self.blob_inflight):
            if now - self.blob_inflight[sha] > patience:
                del self.blob_inflight[sha]
                self.blob_asked.pop(sha, None)
                self._slower()
        room = min(self.limits.blob_requests - len(self.blob_inflight), self.pipeline_depth() - self._outstanding())
        if room <= 0 and len(self.blob_inflight) >= self.limits.blob_requests and now - self._turns_checked >= 1.0:
            # Every slot taken: does another origin wait? (Then a slot is handed over between chunks.)
            self._turns_checked = now
            busy = {self.blob_origin.get(s) for s in self.blob_inflight}
            self._waiting = {b["origin"] for b in blobs.wanted(self.conn, self.link, per_origin=1, skip=list(
                self.blob_inflight) + list(self.blob_backoff))} - busy
        if room <= 0 or now < self._wanted_quiet_until:
            return frames
        self._waiting = set()
        # Turns between origins: each one's oldest photo first, the origin asked least recently first.
        for sha in [s for s, t in self.blob_backoff.items() if t <= now]:
            del self.blob_backoff[sha]
        skip = list(self.blob_inflight) + list(self.blob_backoff)
        # (A photo someone waits for, a full copy a reviewer asked for, goes before every turn.)
        candidates = sorted(blobs.wanted(self.conn, self.link, skip=skip),
                            key=lambda b: (-b["urgent"], b["turn"], self.origin_turns.get(b["origin"], 0.0),
                                           b["created_at"]))
        if not candidates:  # nothing to ask for: the queue is not read again on every turn of the loop
            self._wanted_quiet_until = now + 1.0
        for b in candidates:
            sha = b["sha256"]
            if sha in self.blob_inflight or self.blob_backoff.get(sha, 0) > now:
                continue
            with transaction(self.conn):
                offset = blobs.resume_offset(self.conn, self.data_dir, sha)
            self.blob_inflight[sha] = now
            self.blob_asked[sha] = deque()
            if len(self.blob_origin) > 1000:
                self.blob_origin.clear()
            self.blob_origin[sha] = b["origin"]
            frames.extend(self._ask_ahead(sha, offset, b["size"], now))
            room -= 1
            if len(self.origin_turns) > 10_000:
                self.origin_turns.clear()
            self.origin_turns[b["origin"]] = now
            if room <= 0:
                break
        return frames

    def silent(self, now: float, last_heard: float, heartbeat: float) -> bool:
        """True when the peer, last heard at LAST_HEARD, has been silent too long: the link is down.

        On a link that just woke from idle, silence counts from the moment it woke (the peer was
        beating slowly until it saw our traffic).
        """
        return now - max(last_heard, self.woke_at) > self.silence_allowed(heartbeat)

    def silence_allowed(self, heartbeat: float) -> float:
        """Seconds of silence from the peer before the link is taken as down.

        Three heartbeats (idle or not), plus the time the chunks we asked for take at the rate we
        measured: a ping sent behind them on a slow line cannot arrive sooner. Frames are sized in
        seconds of the measured rate, so this stays a few seconds at 64 kbit/s as at 1 Gbit/s.
        """
        return MISSED_BEATS * self.ping_interval(heartbeat) + self._chunks_ahead()

    def _chunks_ahead(self) -> float:
        # Seconds the chunks we asked for take at the rate we measured (at most CHUNKS_AHEAD_MAX).
        if not (self.blob_asked and self.rate_in_est):
            return 0.0
        outstanding = sum(entry[1] for asked in self.blob_asked.values() for entry in asked)
        return min(CHUNKS_AHEAD_MAX, outstanding / self.rate_in_est)

    def pipeline_depth(self) -> int:
        """Chunks outstanding on this link, at most: enough to keep the line busy across a round trip.

        One chunk is about `chunk_seconds` of the line; a round trip of RTT needs RTT ÷ that more
        in flight, or the line idles while the next request travels (a 1 s GPRS round trip with
        one chunk at a time carried a photo at 27 % of the line's rate). No more than that: what
        is asked for is queued at the holder ahead of its new work.
        """
        if self.rtt_est is None:
            return self.limits.blob_requests
        need = math.ceil(1 + 2 * self.rtt_est / self.limits.chunk_seconds)  # twice the trip: rates and trips wobble
        return max(self.limits.blob_requests, min(self.limits.max_depth, need))

    def _outstanding(self) -> int:
        return sum(len(asked) for asked in self.blob_asked.values())

    def _ask_ahead(self, sha: str, have: int, total: int, now: float) -> list[bytes]:
        # Requests that bring the link's outstanding chunks up to the pipeline depth, for SHA
        # (from HAVE, or past the last chunk asked for); always at least one for it.
        frames: list[bytes]
        asked, frames = self.blob_asked[sha], []
        while not asked or self._outstanding() < self.pipeline_depth():
            offset = asked[-1][0] + asked[-1][1] if asked else have
            if asked and total and offset >= total:  # (TOTAL 0: the size is not known until the first chunk)
                break
            size = self.chunk_size()
            frames.append(self._blob_get(sha, offset, size))
            # AHEAD: bytes asked for before it and not yet in (it waits for them at the holder)
            ahead = sum(entry[1] for q in self.blob_asked.values() for entry in q)
            asked.append((offset, size, now, ahead))
            if not total:
                break  # one at a time until the first chunk says how big the blob is
        return frames

    def chunk_size(self) -> int:
        """The chunk to ask for: about `chunk_seconds` of the rate chunks arrive at (4 KiB steps)."""
        if self.rate_in_est is None:
            return self.limits.first_chunk
        size = int(self.rate_in_est * self.limits.chunk_seconds) // 4096 * 4096
        return max(wire.MIN_CHUNK, min(wire.MAX_CHUNK, size))

    def on_blob_get(self, msg: dict[str, Any]) -> bytes:
        """Answer a peer's request for a chunk of one of our blobs (a child: only of its own subtree's)."""
        if self.link != outbox.UP and not blobs.serves(self.conn, msg["sha"], self.link):
            self.blobs_refused += 1  # the same answer as a blob we lack: nothing to probe
            return wire.encode("blob_missing", sha=msg["sha"], reason="not held here (yet)")
        last = self.served.pop(msg["sha"], None)
        if last and msg["offset"] > last[0]:  # asking past the chunk we sent: it arrived
            self.bytes_delivered += last[1]
        resend = last is not None and msg["offset"] <= last[0]  # asked again: the one we sent was lost (a cut)
        size = max(wire.MIN_CHUNK, min(wire.MAX_CHUNK, msg.get("max") or wire.MAX_CHUNK))
        chunk = blobs.read_chunk(self.data_dir, msg["sha"], msg["offset"], size)
        if chunk is None:
            if self.link == outbox.UP:
                self._pull_through(msg["sha"])
            return wire.encode("blob_missing", sha=msg["sha"], reason="not held here (yet)")
        data, total = chunk
        frame = wire.encode("blob_chunk", sha=msg["sha"], offset=msg["offset"], total=total, data=data)
        self.bytes_out += len(frame)
        if resend:
            self.bytes_resent += len(frame)
        if len(self.served) > 256:
            self.served.clear()
        self.served[msg["sha"]] = (msg["offset"], len(frame))
        return frame

    def _pull_through(self, sha: str) -> None:
        # Our parent asks for a photo we do not hold: the full copy a reviewer wants, kept where it
        # was taken. It is pulled (before anything else) from the child toward the village that
        # took it, while the parent asks again; only one an application of our subtree names.
        with transaction(self.conn):
            if blobs.row(self.conn, sha):
                return  # held, or on its way
            if len(blobs.referring_origins(self.conn, sha)) != 1:
                return  # named by applications of two villages: one of them names another's photo
            for app_id in blobs.referring_apps(self.conn, sha, limit=5):
                try:
                    doc = applications.get(self.conn, app_id)
                except NotFound:
                    continue
                full, link = full_copy(doc, sha), child_toward(doc["origin"], self.me)
                if full and full["sha256"] == sha and link:
                    blobs.want(self.conn, sha, link, full["size"], doc["origin"], urgent=True)
                    return

    def on_blob_chunk(self, msg: dict[str, Any]) -> list[bytes]:
        """Store a chunk we asked for; keep the blob's pipeline of requests full."""
        sha, now = msg["sha"], time.monotonic()
        self.bytes_in += len(msg["data"])
        asked = self.blob_asked.get(sha)
        if not asked or asked[0][0] != msg["offset"]:
            # Not asked for on this link (or before a reconnect), or not the chunk expected next:
            # forget what is outstanding for it; it is asked for again, from what we hold, in turn.
            self.blob_inflight.pop(sha, None)
            self.blob_asked.pop(sha, None)
            return []
        _, size, asked_at, ahead = asked.popleft()
        prior = self.rate_in_est
        # The line's rate: chunks asked for ahead arrive back to back, so it is the bytes of the
        # last few chunks over the time they took to arrive (not per request, which counts a round
        # trip as slowness). Over a window, never between two chunks: TCP hands over bursts, and
        # two chunks read in one go once measured a 64 kbit/s line at megabytes a second.
        self._arrivals.append((now, len(msg["data"])))
        span = self._arrivals[-1][0] - self._arrivals[0][0]
        if len(self._arrivals) >= 3 and span >= 0.5:
            sample = sum(n for _, n in list(self._arrivals)[1:]) / span
        else:  # too few yet: the request's own time, round trip included (cautious)
            sample = len(msg["data"]) / max(now - asked_at, 1e-3)
        if self.rate_in_est:
            sample = min(sample, 2 * self.rate_in_est)  # a line does not get twice as fast between two chunks
        self.rate_in_est = sample if self.rate_in_est is None else 0.7 * self.rate_in_est + 0.3 * sample
        if prior:  # the round trip: the time since the request less the time of the bytes it waited behind and its own
            trip = max(0.0, now - asked_at - (ahead + len(msg["data"])) / prior)
            self.rtt_est = trip if self.rtt_est is None else min(trip, self.rtt_est + 0.05)  # the shortest, slowly forgotten
        if asked:
            self.blob_inflight[sha] = asked[0][2]
        else:
            self.blob_inflight.pop(sha, None)
        try:
            with transaction(self.conn):
                have = blobs.write_chunk(self.conn, self.data_dir, sha, msg["offset"], msg["total"], msg["data"],
                                         source=self.link)
        except Exception as exc:  # verification failure: start over later, from another holder if there is one
            log.warning("link %s: blob %s: %s", self.link, sha[:12], exc)
            self.blob_inflight.pop(sha, None)
            self.blob_asked.pop(sha, None)
            # Not at once, and later each time: a holder whose copy never matches (a wrong size
            # named for it) was asked for it on every turn of the loop, an urgent one first.
            if len(self.blob_failures) > 1000:
                self.blob_failures.clear()
            self.blob_failures[sha] = failures = self.blob_failures.get(sha, 0) + 1
            self.blob_backoff[sha] = now + min(BAD_BLOB_RETRY_MAX, self.limits.blob_retry * 2 ** (failures - 1))
            self._try_another_source(sha)
            return []
        if have < msg["total"] and self._yields(sha):
            if not asked:  # its last chunk asked for is in: the slot goes to the origin waiting
                self.blob_inflight.pop(sha, None)
                self.blob_asked.pop(sha, None)
            return []
        if have < msg["total"] and (have == msg["offset"] + len(msg["data"]) or not asked):
            self.blob_inflight.setdefault(sha, now)
            self.blob_asked.setdefault(sha, deque())
            return self._ask_ahead(sha, have, msg["total"], now)
        self.blob_inflight.pop(sha, None)  # complete, or not taken (asked again from what we hold, in turn)
        self.blob_asked.pop(sha, None)
        return []

    def _yields(self, sha: str) -> bool:
        # A blob whose origin holds more than one slot while another origin waits asks for no more
        # chunks (a village's big scans must not keep a neighbour's photo waiting until they end).
        origin = self.blob_origin.get(sha)
        if not self._waiting or origin in self._waiting:
            return False
        return sum(1 for s in set(self.blob_inflight) | {sha} if self.blob_origin.get(s) == origin) > 1

    def _blob_get(self, sha: str, offset: int, size: int) -> bytes:
        # Each request also says what we still want of the holder's photos (its status shows what
        # is left to send): a busy link sends no heartbeats, so the ping alone would go stale.
        return wire.encode("blob_get", sha=sha, offset=offset, max=size, bq=list(self._wanted_here()))

    def _wanted_here(self) -> tuple[int, int]:
        now = time.monotonic()
        if now - self._wanted_at > 1.0:  # asked for several times a second on a fast line: once a second is enough
            self._wanted, self._wanted_at = blobs.backlog(self.conn, self.link), now
        return self._wanted

    def on_blob_missing(self, msg: dict[str, Any]) -> None:
        """The peer lacks the blob for now: ask again later (another holder first, if there is one)."""
        self.blob_asked.pop(msg["sha"], None)
        if self.blob_inflight.pop(msg["sha"], None) is not None:
            self._try_another_source(msg["sha"])
            with transaction(self.conn):  # a reviewer waiting for it is told it is not there yet
                blobs.note_missing(self.conn, msg["sha"])
        self.blob_backoff[msg["sha"]] = time.monotonic() + self.limits.blob_retry

    def _try_another_source(self, sha: str) -> None:
        # The first link to name a blob is not its only holder: one that sends garbage or never has
        # it must not keep another's photo from arriving.
        with transaction(self.conn):
            links = [child_toward(o, self.me) or outbox.UP for o in blobs.referring_origins(self.conn, sha)]
            others = [link for link in dict.fromkeys(links) if link != self.link]
            if others:
                blobs.move_source(self.conn, self.data_dir, sha, others[0])
