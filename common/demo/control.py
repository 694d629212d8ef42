"""Asking the running demo to stop or start one node: request files in DATA/.control/, answered by its loop.

`sanji demo stop CODE` writes DATA/.control/<id>.request ("stop CODE") and waits for <id>.answer;
the running demo looks every half second, does it and answers. The `running` marker holds the demo's
PID: with no live demo behind it the command says so at once instead of waiting.
"""
import os
import secrets
import time
from pathlib import Path

from ..errors import NotFound, SanjiError, ValidationError
from . import network

WAIT_SECONDS = 40  # stopping takes up to 10 s, starting until /healthz answers


def _dir(root):
    return Path(root) / ".control"


def open_for(root):
    """Mark the demo in ROOT as running (answering requests)."""
    d = _dir(root)
    d.mkdir(parents=True, exist_ok=True)
    for old in d.glob("*"):
        old.unlink(missing_ok=True)
    (d / "running").write_text(str(os.getpid()))


def close_for(root):
    """The demo in ROOT no longer answers."""
    (_dir(root) / "running").unlink(missing_ok=True)


def ask(root, verb, code):
    """Ask the running demo in ROOT to VERB (stop/start) node CODE; its answer."""
    if code not in network.BY_CODE:
        raise ValidationError(f"示范县没有节点 {code} / no such demo node",
                              fix="one of " + ", ".join(n.code for n in network.NODES))
    d = _dir(root)
    if not _alive(d / "running"):
        raise NotFound(f"{root} 里没有正在运行的示范县 / the demo is not running there",
                       fix="start it: sanji demo (with the same --data)")
    rid = f"{time.time_ns():020d}-{secrets.token_hex(4)}"  # carried out in the order asked
    (d / f"{rid}.part").write_text(f"{verb} {code}")
    (d / f"{rid}.part").rename(d / f"{rid}.request")  # whole or not at all
    deadline = time.monotonic() + WAIT_SECONDS
    answer = d / f"{rid}.answer"
    while time.monotonic() < deadline:
        if answer.exists():
            text = answer.read_text()
            answer.unlink(missing_ok=True)
            return text
        time.sleep(0.2)
    raise SanjiError("示范县没有答复 / the demo did not answer", fix="is it still running? see its terminal")


def _alive(marker):
    # The marker names the demo's process; one left behind by a demo that was killed does not count.
    try:
        pid = int(marker.read_text().strip())
        os.kill(pid, 0)
    except (OSError, ValueError):
        return False
    return True


def serve_requests(root, net):
    """Carry out the requests waiting in ROOT for NET; the lines to print."""
    lines = []
    for request in sorted(_dir(root).glob("*.request")):
        try:  # whatever lies there, the demo goes on
            verb, _, code = request.read_text(encoding="utf-8").strip().partition(" ")
            request.unlink(missing_ok=True)
        except (OSError, UnicodeDecodeError, ValueError):
            verb, code = "?", "?"
            _drop(request)
        node = network.BY_CODE.get(code)
        if node is None or verb not in ("stop", "start"):
            text = f"不认识的请求 / unknown request: {verb} {code}"
        elif verb == "stop":
            proc = net.procs.get(code)
            was_running = proc is not None and proc.poll() is None
            net.stop(code)
            text = f"已停止 / stopped {code} {node.name}" if was_running else f"{code} {node.name} 本来就没在运行 / was not running"
        else:
            proc = net.procs.get(code)
            if proc is not None and proc.poll() is None:
                text = f"{code} {node.name} 已在运行 / is already running"
            else:
                try:
                    net.start(code)
                    text = f"已启动 / started {code} {node.name}"
                except SanjiError as exc:
                    text = f"没能启动 / could not start {code}: {exc.message}"
        try:
            request.with_suffix(".answer").write_text(text, encoding="utf-8")
        except OSError:
            pass
        lines.append(text)
    return lines


def _drop(path):
    try:
        path.unlink() if not path.is_dir() else path.rmdir()
    except OSError:
        pass
