"""Test helpers that use real parts: node data folders, waitress servers on free loopback ports."""
import re
import threading
import time

import requests

from common.node import init_node
from common.runtime import WebServer

CODES = {"county": "371399", "township": "371399101", "village": "371399101001"}
ADMIN_PASSWORD = "admin-pass-2026"


def make_node(root, tier, **settings):
    """A freshly initialised node of TIER under ROOT; returns its Config."""
    cfg, _ = init_node(root / tier, tier, f"测试{tier}", CODES[tier], settings=settings, admin_password=ADMIN_PASSWORD)
    return cfg


def wait_for(predicate, timeout=10.0, interval=0.02, what="condition"):
    """Poll PREDICATE until it returns truthy or TIMEOUT passes (then AssertionError)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


class LiveServer:
    """A Flask app served by a real waitress server on 127.0.0.1 in a thread."""

    def __init__(self, app):
        self.app = app
        # As many worker threads as the node would have: the live long-poll cap is half of them.
        self.server = WebServer(app, "127.0.0.1", 0, threads=app.config["SANJI"]["web_threads"])
        self.url = self.server.url.rstrip("/")
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self):
        self.thread.start()
        wait_for(lambda: _ok(self.url + "/healthz"), what="server start")
        return self

    def __exit__(self, *exc):
        self.server.stop()
        self.thread.join(timeout=5)
        assert not self.thread.is_alive(), "web server did not stop"


def _ok(url):
    try:
        return requests.get(url, timeout=1).status_code == 200
    except requests.RequestException:
        return False


def csrf_from(html):
    """The CSRF token in a rendered form."""
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def login(session, base, username="admin", password=ADMIN_PASSWORD):
    """Sign in through the real login form; returns the final response."""
    page = session.get(base + "/login")
    return session.post(base + "/login", data={"username": username, "password": password,
                                               "csrf_token": csrf_from(page.text)})
