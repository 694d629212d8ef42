"""One side of one link, without sockets: what to send next, and what to do with what came in.

Outbound: messages leave in order from the durable outbox, in batches bounded by count and bytes,
with at most `window` unacknowledged messages in flight (go-back-N on timeout or reconnect).
Inbound: a batch is applied in one SQLite transaction, optimistically without savepoints; only when
a message fails is it rolled back and applied again with one savepoint per message, so the bad one
is quarantined without blocking the rest (and a batch that fails even so, at commit, is quarantined
whole). Events that cannot apply yet are held, not quarantined. Then the highest contiguous
sequence is stored in the same transaction and acknowledged after it commits.
"""
import logging
import sqlite3
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

from common.domain.nodes import in_subtree
from common.store import blobs, outbox, places
from common.store.db import savepoint, transaction

from common.replication import NotYet, Replicator

from . import store, wire
from .limits import ALARM_REFRESH_S, CLOCK_ALARM_MS, STATS_EVERY, Limits
from .pull import BlobPuller

log = logging.getLogger("sanji.sync")
# Called with (link, decoded frame) for each live frame that arrives on a link.
OnLive = Callable[[str, dict[str, Any]], None]
# Called with (kind, body) of each message a child sends; raises when the child may not originate it.
OriginCheck = Callable[[str, Any], None]


class Endpoint(BlobPuller):
    """Link LINK_NAME as seen from node ME; `conn` is this thread's database connection."""

    def __init__(self, conn: sqlite3.Connection, me: str, link_name: str, replicator: Replicator, data_dir: str | Path,
                 limits: Limits | None = None, origin_check: OriginCheck | None = None,
                 on_live: OnLive | None = None) -> None:
        self.conn, self.me, self.link, self.replicator = conn, me, link_name, replicator
        self.data_dir, self.limits = data_dir, limits or Limits()
        self.origin_check = origin_check
        self.on_live = on_live
        self.live: deque[bytes] = deque()
        state = store.link(conn, link_name)
        self.acked: int = state["acked_upto"]
        self.saved_ack = self.acked
        self.saved_ack_at = time.monotonic()
        self.sent = self.acked
        self.batch_ends: deque[int] = deque()  # last seq of each unacknowledged batch frame
        self.last_progress = time.monotonic()
        self._init_pull()
        self.bytes_out = 0
        self.bytes_in = 0
        self.peer_backlog = 0
        self.blobs_refused = 0    # blob requests from a child for blobs outside its subtree
        self._quarantine_logged = 0.0
        # The child's report of its own children's links, saved with the stats:
        self.peer_subtree: list[list[Any]] | None = None
        # The names of the child's places it told us, saved with the stats:
        self.peer_names: list[tuple[str, str]] | None = None
        # The names last told the peer on this session (None: tell them again):
        self.names_sent: dict[str, str] | None = None
        self._stats_at = time.monotonic()
        self._stats_bytes = (0, 0)
        self.alarm: str = state["alarm"]  # mirrors sync_links.alarm, so a heartbeat writes only when it changes
        self._alarm_written = 0.0
        self.rate_out_est: float | None = None  # bytes/s of batch frames the peer acknowledged, measured
        # last seq of a batch frame -> (frame bytes, monotonic time sent)
        self.batch_sent: dict[int, tuple[int, float]] = {}
        self.bytes_delivered = 0  # bytes the peer confirmed: acked batch frames, chunks it asked past
        self._stats_delivered = 0
        self.high_sent = self.acked  # the highest seq ever put on this link from here: below it is a resend
        self.bytes_resent = 0     # frames sent again (a batch after a timeout or cut, a chunk asked twice)
        self._stats_resent = 0
        self.peer_blobs = (0, 0)  # (photos, bytes) the peer still wants from us, as its heartbeat says
        self.last_traffic = time.monotonic()  # the last frame other than a heartbeat, either way
        self.hb_idle: float | None = None  # the idle heartbeat both sides agreed on for this session (None: none)
        self.woke_at = 0.0        # when traffic last resumed after an idle spell

    # ---- outbound ---------------------------------------------------------------------------

    def rewind(self, acked: int | None = None) -> None:
        """Resend from the peer's last acknowledgement (reconnect, timeout, or the peer's word)."""
        if acked is not None:
            self.acked = acked
            with transaction(self.conn):
                store.set_link(self.conn, self.link, acked_upto=acked)
            self.saved_ack, self.saved_ack_at = acked, time.monotonic()
        if self.blob_asked or self.sent > self.acked:
            self._slower()  # cut with work outstanding: the line may be slower than measured
        self.sent = self.acked
        self.batch_ends.clear()
        self.blob_inflight.clear()
        self.blob_asked.clear()
        self._arrivals.clear()  # a gap while the link was down is not the line's rate
        self.last_progress = time.monotonic()

    def _slower(self) -> None:
        # What we asked for or sent did not arrive in time: halve the rates measured, so the next
        # chunks and batches are sized for a line that slowed down (a rate measured on a fast
        # spell would otherwise size frames that can never cross before the link is declared dead).
        if self.rate_in_est:
            self.rate_in_est /= 2
        if self.rate_out_est:
            self.rate_out_est /= 2

    def on_ack(self, upto: int) -> None:
        """The peer committed everything up to UPTO."""
        if upto <= self.acked:
            return
        self.acked = upto
        self.sent = max(self.sent, upto)
        for seq in [s for s in self.batch_sent if s <= upto]:
            self.bytes_delivered += self.batch_sent[seq][0]
        sent = self.batch_sent.pop(upto, None)
        if sent:  # (a quick ack measures the peer's disk, not the line: 50 ms is taken as the floor)
            sample = sent[0] / max(time.monotonic() - sent[1], 0.05)
            self.rate_out_est = sample if self.rate_out_est is None else 0.7 * self.rate_out_est + 0.3 * sample
        for seq in [s for s in self.batch_sent if s <= upto]:
            del self.batch_sent[seq]
        if self.alarm == "peer_quarantine_full":  # taken again
            self._raise_alarm("")
        while self.batch_ends and self.batch_ends[0] <= upto:
            self.batch_ends.popleft()
        self.last_progress = time.monotonic()
        # Saved at once when nothing sent is left unacknowledged (a queue just drained), so the
        # queue depth every screen shows is exact at rest; otherwise lazily.
        self.save_ack(force=upto >= self.sent)

    def save_ack(self, force: bool = False) -> None:
        """Persist the acknowledged position, at most every `persist_acks_every` seconds.

        Correctness rests on the receiver's recv_upto (committed with each batch); an older saved
        position only means a few batches are sent again after a restart and skipped there.
        """
        now = time.monotonic()
        if self.acked == self.saved_ack or (not force and now - self.saved_ack_at < self.limits.persist_acks_every):
            return
        with transaction(self.conn):
            store.set_link(self.conn, self.link, acked_upto=self.acked)
        self.saved_ack, self.saved_ack_at = self.acked, now

    def next_frames(self, now: float | None = None) -> list[bytes]:
        """Frames to send now: live first, then batches within the window, then blob requests."""
        now = now or time.monotonic()
        frames = []
        while self.live:  # popleft: other threads append concurrently
            frames.append(self.live.popleft())
        if self.sent > self.acked and now - self.last_progress > self.limits.retry_after:
            log.info("link %s: no ack for %.0fs, resending from %d", self.link, now - self.last_progress, self.acked)
            self._slower()
            self.sent = self.acked
            self.batch_ends.clear()
            self.last_progress = now
        while self.sent - self.acked < self.limits.window and len(self.batch_ends) < self.limits.batches_in_flight:
            idle = self.sent == self.acked
            frame = self._batch()
            if frame is not None and idle:  # the wait for its ack starts now, not at the last ack before a quiet spell
                self.last_progress = now
            if frame is None:
                break
            frames.append(frame)
        frames.extend(self._blob_requests(now))
        if frames:
            self._traffic(now)
        self.bytes_out += sum(len(f) for f in frames)
        return frames

    def _traffic(self, now: float) -> None:
        if now - self.last_traffic > self.limits.idle_after:
            self.woke_at = now  # the peer may still be beating slowly: its silence counts from here
        self.last_traffic = now

    def ping_interval(self, heartbeat: float, now: float | None = None) -> float:
        """Seconds between heartbeats now: HEARTBEAT, or the agreed idle beat once the link has been quiet."""
        now = now or time.monotonic()
        if self.hb_idle and now - self.last_traffic > self.limits.idle_after:
            return max(heartbeat, self.hb_idle)
        return heartbeat

    def batch_budget(self) -> int:
        """Bytes of bodies for the next batch frame: what the measured rate carries in `batch_seconds`."""
        lim = self.limits
        if self.rate_out_est is None:
            return min(lim.first_batch, lim.batch_bytes)
        return int(max(lim.min_batch, min(lim.batch_bytes, self.rate_out_est * lim.batch_seconds * lim.squeeze)))

    def _batch(self) -> bytes | None:
        room = min(self.limits.batch_count, self.limits.window - (self.sent - self.acked))
        rows = outbox.pending(self.conn, self.link, self.sent, room)
        if not rows:
            return None
        entries: list[wire.Entry]
        entries, size, budget = [], 0, self.batch_budget()
        for r in rows:
            if entries and size + len(r["body"]) > budget:
                break
            entries.append((r["seq"], r["kind"], r["msg_id"], r["subject"], bytes(r["body"])))
            size += len(r["body"])
        self.sent = entries[-1][0]
        self.batch_ends.append(self.sent)
        frame = wire.pack_batch(entries)
        if entries[0][0] <= self.high_sent:
            self.bytes_resent += len(frame)
        self.high_sent = max(self.high_sent, self.sent)
        if len(self.batch_sent) > 64:
            self.batch_sent.clear()
        self.batch_sent[self.sent] = (len(frame), time.monotonic())
        return frame

    def backlog(self) -> int:
        """Messages queued on this link and not yet acknowledged."""
        return outbox.last_seq(self.conn, self.link) - self.acked

    # ---- inbound ----------------------------------------------------------------------------

    def on_batch(self, msg: dict[str, Any]) -> bytes:
        """Apply a batch; returns the ack frame. Raises FrameError for a malformed batch.

        Optimistic: the whole batch is applied in one transaction without per-message savepoints.
        Only if a message fails is the batch rolled back and applied again one savepoint per
        message, so the bad one is quarantined and the rest still commit.
        """
        entries = wire.unpack_batch(msg)
        self.bytes_in += len(msg["z"])
        if store.quarantine_full(self.conn, self.link):
            # Past the bound nothing more is taken from this link: the sender keeps it, an administrator decides.
            self._raise_alarm("quarantine_full", f"隔离消息已达 {store.MAX_QUARANTINED} 条，暂停接收 / "
                              f"{store.MAX_QUARANTINED} messages quarantined: this link is no longer taken; review "
                              "them (sanji sync quarantine list, or /admin/quarantine)")
            return wire.error("quarantine_full")
        if self.alarm == "quarantine_full":
            self._raise_alarm("")
        try:
            return self._apply_batch(entries, safe=False)
        except sqlite3.OperationalError:
            raise  # locked or I/O: not acked, the batch comes again
        except Exception:
            pass
        try:
            return self._apply_batch(entries, safe=True)
        except sqlite3.OperationalError:
            raise
        except Exception as exc:  # fails even message by message (at commit): never wedge the link on it
            log.exception("link %s: batch %d-%d cannot be committed; quarantining it", self.link, entries[0][0],
                          entries[-1][0])
            return self._quarantine_batch(entries, f"batch could not be committed: {type(exc).__name__}")

    def _quarantine_batch(self, entries: list[wire.Entry], reason: str) -> bytes:
        with transaction(self.conn):
            recv = store.link(self.conn, self.link)["recv_upto"]
            if entries[0][0] > recv + 1:
                return wire.encode("ack", upto=recv)
            batch: dict[str, Any] = {}
            for seq, kind, msg_id, subject, body in entries:
                if seq > recv:
                    self._quarantine(seq, kind, msg_id, body, batch, reason)
            recv = max(recv, entries[-1][0])
            store.set_link(self.conn, self.link, recv_upto=recv)
        return self._ack(recv, batch)

    def _apply_batch(self, entries: list[wire.Entry], safe: bool) -> bytes:
        with transaction(self.conn):
            recv = store.link(self.conn, self.link)["recv_upto"]
            if entries[0][0] > recv + 1:
                return wire.encode("ack", upto=recv)  # a gap: the sender resends from here
            entries = [e for e in entries if e[0] > recv]  # already committed: redelivery changes nothing
            batch: dict[str, Any] = {"optimistic": not safe}
            if safe:
                for seq, kind, msg_id, subject, body in entries:
                    self._apply_safely(seq, kind, msg_id, subject, body, batch)
            else:
                values = [wire.unpack_body(e[4]) for e in entries]  # garbage: the safe pass quarantines it
                self.replicator.prepare(self.conn, [(e[1], v) for e, v in zip(entries, values)])
                for (seq, kind, msg_id, subject, body), value in zip(entries, values):
                    self._apply_one(kind, msg_id, subject, body, batch, value)
            if entries:
                recv = entries[-1][0]
            self._release_held(batch, safe)
            self.replicator.finish_batch(self.conn, batch, safe)
            store.set_link(self.conn, self.link, recv_upto=recv)
        return self._ack(recv, batch)

    def _ack(self, recv: int, batch: dict[str, Any]) -> bytes:
        # Per entry, the sender learns what was held or refused (an ack alone means "taken off the link").
        extra = {}
        if batch.get("held"):
            extra["held"] = batch["held"]
        if batch.get("refused"):
            extra["refused"] = batch["refused"][:wire.MAX_ENTRIES]
        return wire.encode("ack", upto=recv, **extra)

    def _release_held(self, batch: dict[str, Any], safe: bool) -> None:
        """Apply the held events of applications that arrived in this batch (same transaction)."""
        for app_id in batch.pop("arrived", ()):
            for r in store.take_held(self.conn, app_id, self.replicator.clock.wall_ms()):
                if safe:
                    self._apply_safely(r["seq"], r["kind"], r["msg_id"], r["subject"], bytes(r["body"]), batch,
                                       source=r["link"])
                else:
                    self._apply_one(r["kind"], r["msg_id"], r["subject"], bytes(r["body"]), batch, source=r["link"])

    def _apply_one(self, kind: str, msg_id: str, subject: str, body: bytes, batch: dict[str, Any], value: Any = None,
                   source: str | None = None) -> None:
        # SOURCE: the link a held event came on (its origin was checked when it arrived).
        value = wire.unpack_body(body) if value is None else value
        if self.origin_check and source is None:
            self.origin_check(kind, value)
        link = source or self.link
        wanted = self.replicator.apply(self.conn, kind, msg_id, subject, value, link, batch, packed=body)
        for sha, size in wanted or ():
            self._wanted_quiet_until = 0.0  # something new to pull: read the queue at once
            if isinstance(sha, str) and len(sha) == wire.SHA_LEN:
                blobs.want(self.conn, sha, link, size, value.get("origin", "") if isinstance(value, dict) else "")

    def _apply_safely(self, seq: int, kind: str, msg_id: str, subject: str, body: bytes, batch: dict[str, Any],
                      source: str | None = None) -> None:
        try:
            with savepoint(self.conn, "msg"):
                self._apply_one(kind, msg_id, subject, body, batch, source=source)
        except sqlite3.OperationalError:
            raise
        except NotYet as exc:
            if store.hold(self.conn, source or self.link, seq, kind, msg_id, subject, exc.app_id, body, str(exc),
                          exc.not_before):
                batch["held"] = batch.get("held", 0) + 1
                return
            self._quarantine(seq, kind, msg_id, body, batch, "held backlog full: " + str(exc), source)
        except Exception as exc:
            reason = f"{type(exc).__name__}: {getattr(exc, 'message', exc)}"
            self._quarantine(seq, kind, msg_id, body, batch, reason, source)
            refusal: str | None = getattr(exc, "refusal", None)  # (OriginRefused's: "origin")
            if refusal:
                store.refuse(self.conn, self.link, refusal, reason)

    def _quarantine(self, seq: int, kind: str, msg_id: str, body: bytes, batch: dict[str, Any], reason: str,
                    source: str | None = None) -> None:
        link = source or self.link
        if time.monotonic() - self._quarantine_logged > 10:  # a flood of refusals must not flood the log
            self._quarantine_logged = time.monotonic()
            log.warning("link %s: quarantined %s %s (seq %d): %s", link, kind, msg_id, seq, reason)
        store.quarantine(self.conn, link, seq, kind, msg_id, body, reason[:1000])
        if link == self.link:  # the sender of this batch is told, per entry
            batch.setdefault("refused", []).append([seq, reason[:200]])

    def release_due(self) -> int:
        """Apply (a tick's share of) the events held on this link that can apply now; returns how many were taken.

        Not while the link's quarantine is full (what fails to apply would overflow it) nor while the
        child is not enrolled (a revoked kiosk's held events wait for an administrator's decision).
        """
        if store.quarantine_full(self.conn, self.link) or not store.enrolled(self.conn, self.link):
            return 0
        with transaction(self.conn):
            rows = store.take_due(self.conn, self.link, self.replicator.clock.wall_ms())
            batch: dict[str, Any] = {}
            for r in rows:
                self._apply_safely(r["seq"], r["kind"], r["msg_id"], r["subject"], bytes(r["body"]), batch,
                                   source=r["link"])
            self._release_held(batch, True)
            self.replicator.finish_batch(self.conn, batch, True)
        return len(rows)

    def _raise_alarm(self, alarm: str, detail: str = "") -> None:
        # ALARM '' clears it. Logged once per change; both sides show it on their sync status. The
        # same alarm's detail (a clock's offset) is refreshed at most once a minute: a peer whose
        # heartbeats wobble must not turn every frame into a write.
        now = time.monotonic()
        if alarm == self.alarm and (not alarm or now - self._alarm_written < ALARM_REFRESH_S):
            return
        self._alarm_written = now
        with transaction(self.conn):
            changed = store.set_alarm(self.conn, self.link, alarm, detail)
        if changed:
            (log.warning if alarm else log.info)("link %s: %s", self.link, f"alarm {alarm}: {detail}" if alarm
                                                 else f"alarm {self.alarm} cleared")
        self.alarm = alarm

    def _check_clock(self, peer_ts: float) -> None:
        # Both sides compare the other's heartbeat with their own clock; an offset past the bound is an alarm.
        offset = peer_ts - self.replicator.clock.wall_ms() / 1000  # business clocks (a drill moves both)
        if abs(offset) * 1000 <= CLOCK_ALARM_MS:
            if self.alarm == "clock":
                self._raise_alarm("")
            return
        minutes = round(abs(offset) / 60)
        if self.link == outbox.UP:
            way = "慢" if offset > 0 else "快"
            detail = (f"本机时钟比上级{way} {minutes} 分钟，请校准时间 / this node's clock is {minutes} min "
                      f"{'behind' if offset > 0 else 'ahead of'} its parent's: set it (NTP)")
        else:
            way = "快" if offset > 0 else "慢"
            detail = (f"下级时钟比本机{way} {minutes} 分钟 / the child's clock is {minutes} min "
                      f"{'ahead of' if offset > 0 else 'behind'} this node's: set the child's clock (NTP)")
        if self.alarm in ("", "clock"):  # a full quarantine stays the louder alarm
            self._raise_alarm("clock", detail)

    # ---- dispatch ---------------------------------------------------------------------------

    def handle(self, msg: dict[str, Any]) -> list[bytes]:
        """Frames answering MSG (a decoded frame other than hello/welcome)."""
        kind = msg["t"]
        if kind != "ping":
            self._traffic(time.monotonic())
        if kind == "batch":
            return [self.on_batch(msg)]
        if kind == "ack":
            if msg.get("refused"):
                with transaction(self.conn):
                    store.note_refused(self.conn, self.link, _valid_refusals(msg["refused"]))
            self.on_ack(msg["upto"])
            return []
        if kind == "blob_get":
            if isinstance(msg.get("bq"), list) and self.link == outbox.UP:
                self.peer_blobs = _valid_pair(msg["bq"])
            return [self.on_blob_get(msg)]
        if kind == "blob_chunk":
            return self.on_blob_chunk(msg)
        if kind == "blob_missing":
            self.on_blob_missing(msg)
            return []
        if kind == "live":
            if self.on_live:
                self.on_live(self.link, msg)
            return []
        if kind == "error":
            if msg["code"] == "quarantine_full":  # the peer stopped taking our messages: shown here too
                self._raise_alarm("peer_quarantine_full", "对端隔离区已满，暂停接收本节点消息；请对端管理员处理 / the peer "
                                  "stopped taking this node's messages (its quarantine is full): its administrator "
                                  "must review them")
            else:
                log.warning("link %s: peer error %s: %s", self.link, msg["code"], msg["message"])
            return []
        if kind == "ping":
            self._check_clock(msg["ts"])
        if kind == "ping" and isinstance(msg.get("q"), int):
            self.peer_backlog = msg["q"]
        if kind == "ping" and self.link == outbox.UP:  # a heartbeat without `bq`: the parent wants nothing more of ours
            # (Only the parent's word is shown: a child's claim of what it wants of ours would be
            # shown as our backlog, untrue and unbounded; what we pull from it is our own state.)
            self.peer_blobs = _valid_pair(msg["bq"]) if isinstance(msg.get("bq"), list) else (0, 0)
        if kind == "ping" and self.link != outbox.UP and isinstance(msg.get("sub"), list):
            self.peer_subtree = _valid_subtree(msg["sub"], self.link)
        if kind == "ping" and isinstance(msg.get("names"), dict):  # a child names its subtree, a parent its ancestry
            told = places.clean(msg["names"])
            self.peer_names = [(c, n) for c, n in told if in_subtree(c, self.link)] if self.link != outbox.UP else \
                [(c, n) for c, n in told if self.me.startswith(c) and c != self.me]
        return []  # ping: any traffic counts as a heartbeat

    def ping(self) -> bytes:
        """A heartbeat frame that also tells the peer how much we have queued for it.

        Going up, it also carries our own children's links (`sub`), so the county can show every
        node of the network without reaching the villages itself.
        """
        fields: dict[str, Any] = {"ts": self.replicator.clock.wall_ms() / 1000, "q": max(0, self.backlog())}
        self._wanted_at = 0.0
        photos, left = self._wanted_here()
        if photos:  # what we still want of the peer's photos: its status shows what is left to send
            fields["bq"] = [photos, left]
        if self.link == outbox.UP:
            sub = store.child_links(self.conn)
            if sub:
                fields["sub"] = sub
        # Names change rarely: told once a session, and again only when one changes (a heartbeat
        # stays ~130 bytes on a line that is otherwise idle). Up: ours and our subtree's; down: ours
        # and our ancestors' (a county name a township learned after its village's welcome).
        names = places.of_subtree(self.conn, self.me) if self.link == outbox.UP else places.of_ancestry(self.conn, self.me)
        if names and names != self.names_sent:
            fields["names"], self.names_sent = names, names
        return wire.encode("ping", **fields)

    def flush_stats(self, now: float | None = None, every: float = STATS_EVERY) -> None:
        """Every EVERY seconds, write byte totals, rates and the peer's backlog to the link row."""
        now = now or time.monotonic()
        self.save_ack()
        elapsed = now - self._stats_at
        if elapsed < every:
            return
        if store.due_held(self.conn, self.link, self.replicator.clock.wall_ms()):
            self.release_due()
        bin_, bout = self._stats_bytes
        rate_in, rate_out = (self.bytes_in - bin_) / elapsed, (self.bytes_out - bout) / elapsed
        # Out: what the peer confirmed (acks, and the next chunk asked for), not frames merely queued.
        rate_out = (self.bytes_delivered - self._stats_delivered) / elapsed
        self._stats_delivered = self.bytes_delivered
        with transaction(self.conn):
            if self.peer_subtree is not None:
                store.save_subtree(self.conn, self.link, self.peer_subtree)
                self.peer_subtree = None
            if self.peer_names:
                places.learn(self.conn, self.peer_names, self.link)
            self.peer_names = None
            self.conn.execute("UPDATE sync_links SET bytes_in = bytes_in + ?, bytes_out = bytes_out + ?,"
                              " rate_in = ?, rate_out = ?, peer_backlog = ?, bytes_resent = bytes_resent + ?,"
                              " peer_blobs = ?, peer_blob_bytes = ? WHERE link = ?",
                              (self.bytes_in - bin_, self.bytes_out - bout, rate_in, rate_out, self.peer_backlog,
                               self.bytes_resent - self._stats_resent, *self.peer_blobs, self.link))
        self._stats_resent = self.bytes_resent
        self._stats_at, self._stats_bytes = now, (self.bytes_in, self.bytes_out)

    def send_live(self, to: str, body: dict[str, Any]) -> None:
        """Queue a live message to go before any bulk traffic (safe from any thread)."""
        self.live.append(wire.encode("live", to=to, body=body))


def _valid_refusals(rows: list[Any]) -> list[tuple[int, str]]:
    """The [seq, reason] pairs of an ack's `refused` that are well formed."""
    return [(r[0], r[1]) for r in rows[:wire.MAX_ENTRIES] if isinstance(r, list) and len(r) == 2
            and isinstance(r[0], int) and not isinstance(r[0], bool) and 0 < r[0] <= wire.MAX_SEQ
            and isinstance(r[1], str)]


def _valid_pair(pair: list[Any]) -> tuple[int, int]:
    """A ping's `bq` [photos, bytes] when well formed, else (0, 0)."""
    pair = pair[:2]
    if (len(pair) == 2 and all(isinstance(v, int) and not isinstance(v, bool) for v in pair)
            and 0 <= pair[0] <= wire.MAX_SEQ and 0 <= pair[1] <= wire.MAX_SEQ):
        return pair[0], pair[1]
    return 0, 0


def _valid_subtree(rows: list[Any], child: str) -> list[list[Any]]:
    """The rows of a child's `sub` report that are well formed and about nodes below that child."""
    ok = []
    for r in rows[:1000]:
        if (isinstance(r, list) and len(r) == 6 and isinstance(r[0], str) and in_subtree(r[0], child)
                and r[0] != child and r[1] in ("up", "down") and all(isinstance(v, str) for v in r[2:4])
                and all(isinstance(v, int) and not isinstance(v, bool) for v in r[4:6])):
            ok.append(r)
    return ok
