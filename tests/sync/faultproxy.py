"""A small fault-injection TCP proxy for testing links: pass, stall, drop, throttle, delay and reset.

    proxy = FaultProxy(("127.0.0.1", parent_port)).start()   # child connects to proxy.port
    proxy.stall(); proxy.resume(); proxy.throttle(50_000); proxy.reset(); proxy.drop()
    proxy.latency(0.5)  # each way: a 1 s round trip (for connections made after the call)

Runs on loopback only; one thread accepts, one thread pumps each connection pair (and, with a
latency, one more per direction that delivers what is due).
"""
import queue
import select
import socket
import struct
import threading
import time


class FaultProxy:
    """Forwards 127.0.0.1:port to TARGET, misbehaving on request."""

    def __init__(self, target, listen_host="127.0.0.1", port=0):
        self.target = target
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind((listen_host, port))
        self.listener.listen(64)
        self.port = self.listener.getsockname()[1]
        self.mode = "pass"
        self.rate = None               # bytes per second when throttled
        self.delay = 0.0               # seconds each way (a GPRS round trip is 0.6-2 s)
        self.forwarded = 0             # bytes passed, both directions
        self.connections = 0
        self._pairs = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._seen = {}                # pair -> the mode generation its pump last acted under
        self._generation = 0

    def start(self):
        """Start accepting."""
        threading.Thread(target=self._accept, daemon=True, name="faultproxy").start()
        return self

    def stop(self):
        """Close everything."""
        self._stop.set()
        self.listener.close()
        self.reset()

    # ---- faults --------------------------------------------------------------------------

    def resume(self):
        """Forward normally again."""
        self.mode, self.rate = "pass", None

    def stall(self):
        """Keep connections open but forward nothing (a silent line).

        Returns once every pump has seen the stall, so nothing passes after this call.
        """
        self.mode = "stall"
        self._generation += 1
        deadline = time.monotonic() + 2
        while time.monotonic() < deadline:
            with self._lock:
                behind = [p for p in self._pairs if self._seen.get(p, -1) < self._generation]
            if not behind:
                return
            time.sleep(0.005)

    def drop(self):
        """Refuse the line: existing connections are cut, new ones closed at once."""
        self.mode = "drop"
        self.reset()

    def throttle(self, bytes_per_s):
        """Forward at most BYTES_PER_S in each direction."""
        self.mode, self.rate = "pass", float(bytes_per_s)

    def latency(self, seconds):
        """Hold every byte SECONDS before passing it on, each way (connections made from now on)."""
        self.delay = float(seconds)

    def reset(self):
        """Cut every current connection with a TCP RST."""
        with self._lock:
            pairs, self._pairs = list(self._pairs), set()
        for a, b in pairs:
            for s in (a, b):
                try:
                    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    s.close()
                except OSError:
                    pass

    # ---- plumbing ------------------------------------------------------------------------

    def _accept(self):
        while not self._stop.is_set():
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self.mode == "drop":
                client.close()
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            pair = (client, upstream)
            with self._lock:
                self._pairs.add(pair)
                self.connections += 1
            threading.Thread(target=self._pump, args=(pair,), daemon=True).start()

    def _pump(self, pair):
        client, upstream = pair
        peer = {client: upstream, upstream: client}
        lines = {}
        if self.delay:  # a delay line per direction: bytes are handed on when due, in order
            for s in pair:
                lines[s] = queue.Queue()
                threading.Thread(target=self._deliver, args=(pair, lines[s], peer[s]), daemon=True).start()
        try:
            while not self._stop.is_set() and pair in self._pairs:
                self._seen[pair] = self._generation
                if self.mode == "stall":
                    time.sleep(0.005)
                    continue
                readable, _, _ = select.select([client, upstream], [], [], 0.02)
                if self.mode == "stall":
                    continue  # stalled while we waited: hold what arrived
                for s in readable:
                    chunk = 4096 if self.rate else 65536
                    data = s.recv(chunk)
                    if not data:
                        return
                    if self.rate:
                        time.sleep(len(data) / self.rate)
                    if lines:
                        lines[s].put((time.monotonic() + self.delay, data))
                    else:
                        peer[s].sendall(data)
                    self.forwarded += len(data)
        except OSError:
            return
        finally:
            for line in lines.values():
                line.put(None)
            with self._lock:
                self._pairs.discard(pair)
                self._seen.pop(pair, None)
            for s in pair:
                try:
                    s.close()
                except OSError:
                    pass

    def _deliver(self, pair, line, out):
        while True:
            item = line.get()
            if item is None or pair not in self._pairs:
                return
            due, data = item
            time.sleep(max(0.0, due - time.monotonic()))
            try:
                out.sendall(data)
            except OSError:
                return
