"""Issue 3 (b): traffic flows while the township and a village are SIGKILLed at random moments."""
import random
import threading
import time

from tests.helpers import wait_for
from tests.sync.netutil import NodeProcess, count, decide_at_county, make_network, submit_many
from tests.sync.test_network import T, V1, V2, assert_exactly_once

KILLS_EACH = 20


def test_kill_township_and_village_repeatedly_loses_and_doubles_nothing(tmp_path):
    net = make_network(tmp_path, villages=2)
    procs = {code: NodeProcess(cfg).start() for code, cfg in net.items()}
    rng = random.Random(20261122)
    done = threading.Event()
    kills = {T: 0, V1: 0}
    errors = []

    def traffic():
        try:
            for _ in range(20):  # 1000 applications over the chaos, in bursts
                submit_many(net[V1], 25)
                submit_many(net[V2], 25)
                decide_at_county(net["county"])
                time.sleep(rng.uniform(0.05, 0.4))
        except Exception as exc:  # surfaced by the assertion below
            errors.append(exc)
        finally:
            done.set()

    worker = threading.Thread(target=traffic)
    worker.start()
    try:
        victims = [T] * KILLS_EACH + [V1] * KILLS_EACH
        rng.shuffle(victims)
        for code in victims:
            time.sleep(rng.uniform(0.1, 0.8))
            procs[code].kill()
            kills[code] += 1
            procs[code] = NodeProcess(net[code]).start()
        worker.join(120)
        assert not errors, errors
        assert kills == {T: KILLS_EACH, V1: KILLS_EACH}

        def settled():
            decide_at_county(net["county"])
            return all(count(net[v], "SELECT COUNT(*) FROM applications WHERE state = 'approved'") == 500
                       for v in (V1, V2))
        wait_for(settled, timeout=180, interval=0.5, what="every outcome back at both villages")
        assert_exactly_once(net, 500)
    finally:
        for p in procs.values():
            p.stop()
