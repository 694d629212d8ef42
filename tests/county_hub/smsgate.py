"""A small real SMS gateway for tests: an HTTP server on 127.0.0.1 that records what it delivers.

It honours Idempotency-Key (a key delivered once is answered again, never delivered twice), can
answer a number with a permanent refusal, and can "lose" its first answer for a key (it delivers,
then drops the connection) as a gateway behind a bad network would.
"""
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class SmsGate:
    """Start/stop on a fixed port, so it can be stopped and restarted at the same address."""

    def __init__(self, port, refuse=(), lose_first=False):
        self.port, self.refuse, self.lose_first = port, set(refuse), lose_first
        self.delivered, self.posts, self.server, self._lock = {}, [], None, threading.Lock()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}/sms"

    def start(self):
        gate = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                key = self.headers.get("Idempotency-Key", "")
                with gate._lock:
                    gate.posts.append(key)
                    if body.get("to") in gate.refuse:
                        return self._answer(400, {"error": "号码无效 / invalid number"})
                    first = key not in gate.delivered
                    if first:
                        gate.delivered[key] = body
                if first and gate.lose_first:
                    self.close_connection = True  # delivered, but the answer never reaches the sender
                    return
                self._answer(200, {"id": f"gw-{key}"})

            def _answer(self, status, body):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        ThreadingHTTPServer.allow_reuse_address = True
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self):
        if self.server:
            self.server.shutdown()
            self.server.server_close()
            self.server = None
