"""Link state and queue depth are visible at /api/v1/sync/status, in the page banner and in the CLI."""
import json
import random
import subprocess
import sys

import requests

from sync.client import Backoff
from tests.helpers import login, wait_for
from tests.sync.netutil import COUNTY, NodeProcess, make_node, submit_many

T, V = "371399101", "371399101001"


def test_status_everywhere_while_the_parent_is_down_and_up(tmp_path):
    county = make_node(tmp_path, "county", COUNTY)
    town = make_node(tmp_path, "township", T, county)
    village = make_node(tmp_path, "village", V, town)
    submit_many(village, 7)
    vproc = NodeProcess(village).start()
    tproc = None
    try:
        url = (village.data_dir / "run" / "web.url").read_text().strip()
        s = requests.Session()
        assert login(s, url.rstrip("/")).status_code == 200
        st = s.get(url + "api/v1/sync/status").json()
        (up,) = st["links"] if st["links"] else [None]
        assert up is None or up["state"] == "down"
        page = s.get(url + "clerk/").text
        assert "待发送 7 条" in page
        cli = subprocess.run([sys.executable, "-m", "common", "sync", "status", "--json", "--data",
                              str(village.data_dir)], capture_output=True, text=True)
        assert json.loads(cli.stdout)["links"][0]["queue_out"] == 7
        tproc = NodeProcess(town).start()

        def up_and_drained():
            links = s.get(url + "api/v1/sync/status").json()["links"]
            return links and links[0]["state"] == "up" and links[0]["queue_out"] == 0 and links[0]
        link = wait_for(up_and_drained, timeout=30, what="link up and drained")
        assert link["since"] and link["last_contact"]
        assert "上级连接正常" in s.get(url + "clerk/").text
        assert requests.get(url + "api/v1/sync/status").status_code == 401  # staff only
    finally:
        vproc.stop()
        if tproc:
            tproc.stop()


def test_backoff_grows_with_jitter_and_caps():
    b = Backoff(base=0.5, cap=30, rng=random.Random(1))
    waits = [b.next() for _ in range(12)]
    assert all(0 <= w <= 30 for w in waits)
    assert max(waits[:2]) <= 1.0 and max(waits[8:]) > 5
    assert len({round(w, 3) for w in waits}) == len(waits)  # jittered, not lock-step
    b.reset()
    assert b.next() <= 0.5
