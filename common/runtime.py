"""Running a node: the tier's app under waitress, stopped cleanly by SIGINT or SIGTERM.

Later components (sync links, the scheduler) join through `components`, each with start() and
stop(), so one signal stops them all in reverse order.
"""
import logging
import signal
import threading
from pathlib import Path

from waitress import create_server

log = logging.getLogger("sanji.runtime")


class _Stop(Exception):
    pass


def address_file(cfg):
    """Where a running node writes the URL its web server actually listens on."""
    return Path(cfg.data_dir) / "run" / "web.url"


def serve(cfg, tier, components=(), ready=None):
    """Serve CFG's node until SIGINT/SIGTERM; returns when everything has stopped."""
    app = tier.create_app(cfg)
    server = create_server(app, host=cfg["web_host"], port=cfg["web_port"], threads=cfg["web_threads"],
                           ident="sanji", clear_untrusted_proxy_headers=True)
    host, port = server.effective_host, server.effective_port
    url = f"http://{host}:{port}/"
    path = address_file(cfg)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(url + "\n", encoding="utf-8")
    started = []

    def on_signal(signum, _frame):
        log.info("signal %s: stopping", signum)
        raise _Stop()

    main_thread = threading.current_thread() is threading.main_thread()
    if main_thread:
        previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        for component in components:
            component.start()
            started.append(component)
        log.info("%s node %s serving at %s", cfg["tier"], cfg["code"], url)
        if ready:
            ready(url)
        server.run()
    except (_Stop, KeyboardInterrupt):
        pass
    finally:
        if main_thread:
            for s, handler in previous.items():
                signal.signal(s, handler)
        server.close()
        for component in reversed(started):
            try:
                component.stop()
            except Exception:  # keep stopping the others
                log.exception("error stopping %r", component)
        path.unlink(missing_ok=True)
        log.info("stopped")
