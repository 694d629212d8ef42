"""Mailboxes a browser long-polls: numbered messages, waiting with a deadline, and a cap on waiters."""
import threading
import time

from common.live import Live, Mailboxes
from tests.helpers import wait_for


def test_messages_are_numbered_and_a_poll_gets_those_after_its_mark():
    box = Mailboxes()
    box.post("k1", {"kind": "a"})
    box.post("k1", {"kind": "b"})
    box.post("other", {"kind": "x"})
    got, waited = box.wait("k1", after=0, timeout=0)
    assert waited and [(m["n"], m["kind"]) for m in got] == [(1, "a"), (2, "b")]
    assert box.wait("k1", after=2, timeout=0)[0] == []


def test_a_waiting_poll_wakes_when_a_message_arrives_and_gives_up_at_its_deadline():
    box = Mailboxes()
    threading.Timer(0.2, box.post, ("k1", {"kind": "ring"})).start()
    start = time.monotonic()
    got, _ = box.wait("k1", after=0, timeout=5)
    assert got[0]["kind"] == "ring" and time.monotonic() - start < 2
    start = time.monotonic()
    assert box.wait("k1", after=1, timeout=0.3)[0] == []
    assert 0.25 < time.monotonic() - start < 2


def test_polls_beyond_the_cap_return_at_once_so_other_requests_keep_their_threads():
    box = Mailboxes(max_waiters=2)
    waiting = [threading.Thread(target=box.wait, args=(f"p{i}", 0, 3)) for i in range(2)]
    for t in waiting:
        t.start()
    wait_for(lambda: box.waiting == 2, what="both polls waiting")
    start = time.monotonic()
    got, waited = box.wait("p9", 0, 3)
    assert not waited and got == [] and time.monotonic() - start < 0.5
    box.post("p0", {"kind": "go"})
    box.post("p1", {"kind": "go"})
    for t in waiting:
        t.join(5)
    assert box.wait("p9", 0, 0)[1] is True  # places free again


def test_idle_mailboxes_are_dropped():
    box = Mailboxes()
    box.post("gone", {"kind": "x"})
    assert box.sweep(now=time.monotonic() + 1000) == 1
    assert box.wait("gone", 0, 0)[0] == []


def test_dispatch_calls_the_handler_for_its_kind_or_posts_to_the_named_mailbox():
    live = Live("371399")
    seen = []
    live.on("presence", seen.append)
    assert live.send("371399", {"kind": "presence", "user": "mz1"})
    assert seen == [{"kind": "presence", "user": "mz1", "origin": "371399"}]
    live.dispatch({"kind": "signal", "pid": "staff:371399/mz1", "seq": 1})
    live.dispatch("not a map")
    live.on("boom", lambda body: 1 / 0)
    live.dispatch({"kind": "boom"})  # logged, not raised: the link thread lives on
    got, _ = live.mailboxes.wait("staff:371399/mz1", 0, 0)
    assert got[0]["kind"] == "signal"
    assert live.send("371399101", {"kind": "x"}) is False  # no link attached


def test_release_answers_the_waiting_polls_at_once_and_later_ones_wait_again():
    box = Mailboxes()
    out = []
    t = threading.Thread(target=lambda: out.append(box.wait("p", 0, 20)))
    t.start()
    wait_for(lambda: box.waiting == 1, what="the poll waiting")
    start = time.monotonic()
    box.release()
    t.join(5)
    assert out == [([], True)] and time.monotonic() - start < 2
    start = time.monotonic()
    box.wait("p", 0, 0.3)
    assert time.monotonic() - start >= 0.25
