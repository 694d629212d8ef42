"""Running a node: the tier's app under waitress, stopped cleanly by SIGINT or SIGTERM.

Later components (sync links, the scheduler) join through `components`, each with start() and
stop(), so one signal stops them all in reverse order.
"""
import logging
import signal
import threading
from pathlib import Path

from waitress import create_server, wasyncore

from .errors import ConfigError
from .live import release_all

log = logging.getLogger("sanji.runtime")
LOOP_TIMEOUT = 0.2  # seconds: how quickly a stop request is noticed


class WebServer:
    """A waitress server whose loop can be stopped from any thread or a signal handler."""

    def __init__(self, app, host="127.0.0.1", port=0, threads=8):
        try:
            self.server = create_server(app, host=host, port=port, threads=threads, ident="sanji",
                                        clear_untrusted_proxy_headers=True)
        except OSError as exc:  # a port in use, an address this machine does not have: say which, and the fix
            raise ConfigError(f"网页服务无法在 {host}:{port} 上监听：{exc.strerror} / cannot listen on {host}:{port}",
                              fix="web_host must be an address of this machine (or 0.0.0.0) and web_port free: "
                                  "see sanji.toml, or stop what already uses the port") from None
        self._stop = threading.Event()

    @property
    def url(self):
        """The base URL the server really listens on (port 0 resolved)."""
        return f"http://{self.server.effective_host}:{self.server.effective_port}/"

    def run(self):
        """Serve until `stop()`; then close every connection and the worker threads."""
        try:
            while not self._stop.is_set():
                wasyncore.loop(timeout=LOOP_TIMEOUT, map=self.server._map,
                               use_poll=self.server.adj.asyncore_use_poll, count=1)
        finally:
            wasyncore.close_all(self.server._map)
            self.server.task_dispatcher.shutdown()

    def stop(self):
        """Ask the loop to end (safe from signal handlers and other threads); long-polls answer at once."""
        self._stop.set()
        release_all()


def address_file(cfg):
    """Where a running node writes the URL its web server actually listens on."""
    return Path(cfg.data_dir) / "run" / "web.url"


def serve(cfg, tier, components=(), ready=None):
    """Serve CFG's node until SIGINT/SIGTERM; returns when everything has stopped."""
    web = WebServer(tier.create_app(cfg), cfg["web_host"], cfg["web_port"], cfg["web_threads"])
    path = address_file(cfg)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(web.url + "\n", encoding="utf-8")
    tmp.replace(path)  # whole or absent: a script waiting for the file must never read it half written
    started = []

    def on_signal(signum, _frame):
        log.info("signal %s: stopping", signum)
        web.stop()

    main_thread = threading.current_thread() is threading.main_thread()
    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)} if main_thread else {}
    try:
        for component in components:
            component.start()
            started.append(component)
        log.info("%s node %s serving at %s", cfg["tier"], cfg["code"], web.url)
        if ready:
            ready(web.url)
        web.run()
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        web.stop()
        for component in reversed(started):
            try:
                component.stop()
            except Exception:  # keep stopping the others
                log.exception("error stopping %r", component)
        path.unlink(missing_ok=True)
        log.info("stopped")
