"""Hybrid logical clock: timestamps that follow wall time yet never go backwards and order causally.

A timestamp is the string "MMMMMMMMMMMMM-CCCC-NODE" (13-digit Unix ms, 4-digit counter, node
code), so plain string comparison is the clock's order and ties between nodes break by node.
"""
import threading
import time
from dataclasses import dataclass

from .errors import ValidationError

MAX_DRIFT_MS = 24 * 3600 * 1000  # a remote clock more than a day ahead is refused, not followed
MAX_COUNTER = 9999               # the counter has four digits; past it the clock moves on a millisecond


@dataclass(frozen=True, order=True)
class Timestamp:
    """A parsed HLC timestamp; orders like its string form."""

    ms: int
    counter: int
    node: str

    def __str__(self):
        return f"{self.ms:013d}-{self.counter:04d}-{self.node}"


def parse(text):
    """Parse a timestamp string; ValidationError when malformed."""
    try:
        ms, counter, node = str(text).split("-", 2)
        if len(ms) != 13 or len(counter) != 4 or not node:
            raise ValueError
        return Timestamp(int(ms), int(counter), node)
    except ValueError:
        raise ValidationError(f"不是有效的 HLC 时间戳: {text!r}") from None


class Clock:
    """A node's hybrid logical clock; thread-safe. `wall` returns Unix ms (injectable for tests)."""

    def __init__(self, node, last=None, wall=None):
        self.node = node
        self._wall = wall or (lambda: int(time.time() * 1000))
        self._ms, self._counter = 0, 0
        self._lock = threading.Lock()
        if last:
            self.observe(last)

    def now(self):
        """A new timestamp for a local event, greater than every one issued or observed."""
        with self._lock:
            wall = self._wall()
            if wall > self._ms:
                self._ms, self._counter = wall, 0
            elif self._counter >= MAX_COUNTER:  # four digits: carry into the next millisecond
                self._ms, self._counter = self._ms + 1, 0
            else:
                self._counter += 1
            return str(Timestamp(self._ms, self._counter, self.node))

    def wall_ms(self):
        """This node's (business) wall clock, Unix ms."""
        return self._wall()

    def observe(self, remote):
        """Merge a timestamp received from elsewhere so later local ones sort after it."""
        ts = parse(remote)
        with self._lock:
            wall = self._wall()
            if ts.ms > wall + MAX_DRIFT_MS:
                raise ValidationError(f"远端时钟超前过多 / remote clock too far ahead: {remote}",
                                      fix="check the sending node's system clock")
            if ts.ms > self._ms:
                self._ms, self._counter = ts.ms, ts.counter
            elif ts.ms == self._ms:
                self._counter = max(self._counter, ts.counter)
