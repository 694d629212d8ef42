"""A child that is never welcomed says so loudly, with the likely causes (issue 20.1), instead of an INFO line forever."""
import logging

import zmq.auth

from sync.service import SyncService
from sync import keys as key_files
from tests.helpers import wait_for
from tests.sync.netutil import free_port, make_node


def test_a_child_nobody_answers_warns_with_the_causes(tmp_path, caplog):
    port = free_port()  # nothing listens there: the parent is "not running"
    cfg = make_node(tmp_path, "village", "371399101001", sync=False, parent_endpoint=f"tcp://127.0.0.1:{port}")
    public, _ = zmq.auth.create_certificates(str(tmp_path), "parent")
    key_files.trust_parent(cfg.keys_dir, zmq.auth.load_certificate(public)[0].decode())
    caplog.set_level(logging.INFO, logger="sanji.sync.client")
    service = SyncService(cfg)
    service.client.grace = 4.0  # 30 s in service (a parent restarting is not an alarm); shorter here
    service.start()
    try:
        warned = wait_for(lambda: [r for r in caplog.records if r.levelno == logging.WARNING
                                   and "NOT LINKED" in r.getMessage()], timeout=30, what="the warning")
    finally:
        service.stop()
    text = warned[0].getMessage()
    assert f"tcp://127.0.0.1:{port}" in text and "sanji nodes add" in text and "sync_port" in text
    assert len(warned) == 1  # once, then every few minutes: not a line every attempt
    assert int(text.split("(for ")[1].split(" s)")[0]) >= 4
