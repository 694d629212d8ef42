"""Long-polls on a real waitress server never take every worker thread: other pages keep answering."""
import threading
import time

import requests

from common import accounts
from common.live import live_for
from common.node import open_db
from common.tiers import load_tier
from tests.helpers import ADMIN_PASSWORD, LiveServer, login, make_node, wait_for


def test_waiting_polls_leave_threads_for_other_requests(tmp_path):
    cfg = make_node(tmp_path, "township")  # 8 web threads: at most 4 polls wait at once
    conn = open_db(cfg)
    for i in range(8):
        accounts.add_user(conn, "township", f"w{i}", f"窗口{i}", ADMIN_PASSWORD, ["township_staff"])
    conn.close()
    with LiveServer(load_tier("township").create_app(cfg)) as srv:
        sessions = []
        for i in range(8):
            s = requests.Session()
            assert login(s, srv.url, f"w{i}").status_code == 200
            sessions.append(s)
        answers = []

        def hang(s):
            r = s.get(srv.url + "/api/v1/live/poll", params={"after": 0, "wait": 4}, timeout=15)
            answers.append(r.json()["retry_ms"])
        threads = [threading.Thread(target=hang, args=(s,)) for s in sessions]
        for t in threads:
            t.start()
        box = live_for(cfg).mailboxes
        wait_for(lambda: box.waiting == 4 and len(answers) == 4, what="four polls waiting, four told to retry")
        start = time.monotonic()
        assert requests.get(srv.url + "/healthz", timeout=5).status_code == 200
        assert time.monotonic() - start < 1.0
        for t in threads:
            t.join(15)
        assert sorted(answers).count(1000) == 4 and answers.count(0) == 4  # four waited, four were told to retry
