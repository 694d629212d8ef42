"""Business time: the 'now' and 'today' a node stamps events with and counts deadlines from.

Normally the system clock, read in China time (a county's working day is Beijing's, whatever the
machine's time zone). For drills and tests of deadlines the setting `clock_file` (environment
`SANJI_CLOCK_FILE`) names a small text file that moves business time without touching the
machine's clock, the way libfaketime's timestamp file does:

- `2026-12-03`: business today is that date; the time of day follows the real clock;
- `+5` or `-2`: business time is the real time shifted by that many days;
- empty or missing file: the real time.

The file is read again whenever it changes, so every node of a drill network that shares one
file moves together (nodes refuse each other's events when their clocks are more than a day
apart). Move it forward only: the hybrid logical clock never runs backwards, so events written
after a move back keep the later date. Session timeouts and retry timers stay on real time.
"""
import logging
import threading
import time
from datetime import date, datetime, timedelta, timezone

from .errors import ConfigError

# China time (UTC+8, no daylight saving): the one definition; CHINA_ZONE names it for libraries that
# take a zone name (the scheduler).
CHINA = timezone(timedelta(hours=8))
CHINA_ZONE = "Asia/Shanghai"
PLAUSIBLE_YEARS = (1900, 2100)  # a date a person types outside these is a slip (births, deaths, notices)
DAY_MS = 86_400_000
log = logging.getLogger("sanji.clock")


def parse(text):
    """('date', date) or ('offset', days) or (None, None) from a clock file's TEXT; ConfigError when malformed."""
    text = text.strip()
    if not text:
        return None, None
    try:
        if text[0] in "+-" and text[1:].isdigit():
            return "offset", int(text)
        return "date", date.fromisoformat(text)
    except (ValueError, IndexError):
        raise ConfigError(f"时钟文件内容无效: {text[:40]!r} / bad clock file",
                          fix="write a date such as 2026-12-03, or a shift in days such as +5 or -2") from None


def china_text(iso, seconds=False):
    """An ISO timestamp (UTC or with an offset) as China time, 'YYYY-MM-DD HH:MM' — what every screen shows."""
    if not iso:
        return ""
    try:
        moment = datetime.fromisoformat(str(iso))
    except ValueError:
        return str(iso)[:19]
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)  # stored timestamps are UTC
    return moment.astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


class BusinessClock:
    """Business time for one node: the system clock, or the one a clock file describes."""

    def __init__(self, path=""):
        self.path = str(path or "")
        self._lock = threading.Lock()
        self._seen = None   # the file's text last parsed
        self._rule = (None, None)
        if self.path:
            self._refresh(strict=True)

    def _refresh(self, strict=False):
        # Read every time (64 bytes): mtime can be too coarse to see two quick edits of equal size.
        try:
            with open(self.path, encoding="utf-8") as f:
                text = f.read(64)
        except FileNotFoundError:
            text = ""
        except (OSError, UnicodeDecodeError) as exc:
            return self._bad(exc, strict)
        if text == self._seen:
            return None
        try:
            rule = parse(text)
        except ConfigError as exc:
            return self._bad(exc, strict)
        if rule != self._rule:
            log.warning("business clock from %s: %s %s", self.path, *rule)
        self._seen, self._rule = text, rule
        return None

    def _bad(self, exc, strict):
        if strict:
            raise ConfigError(f"时钟文件 {self.path} 无法使用: {exc}",
                              fix="write a date such as 2026-12-03 or a shift such as +5 into it, "
                                  "or unset clock_file") from None
        log.warning("clock file %s unreadable (%s); keeping the previous business time", self.path, exc)

    def shift_ms(self, real_ms):
        """How many ms business time is ahead of real time at REAL_MS (0 without a clock file)."""
        if not self.path:
            return 0
        with self._lock:
            self._refresh()
            kind, value = self._rule
        if kind == "offset":
            return value * DAY_MS
        if kind == "date":
            real_day = datetime.fromtimestamp(real_ms / 1000, CHINA).date()
            return (value - real_day).days * DAY_MS
        return 0

    def wall_ms(self):
        """Business time as Unix milliseconds (what the node's HLC follows)."""
        real = int(time.time() * 1000)
        return real + self.shift_ms(real)

    def now(self):
        """Business time as an aware datetime in China time."""
        return datetime.fromtimestamp(self.wall_ms() / 1000, CHINA)

    def today(self):
        """The business date (China time)."""
        return self.now().date()

    def shifted_days(self):
        """Whole days business time is ahead of real time (0 normally; pages show a notice otherwise)."""
        return round(self.shift_ms(int(time.time() * 1000)) / DAY_MS)


_clocks: dict[str, "BusinessClock"] = {}
_clocks_lock = threading.Lock()


def for_config(cfg):
    """The one BusinessClock of this process for CFG's clock file (a ConfigError when it is malformed)."""
    path = str(cfg.get("clock_file") or "")
    with _clocks_lock:
        if path not in _clocks:
            _clocks[path] = BusinessClock(path)
        return _clocks[path]


def today(cfg):
    """The business date of CFG's node."""
    return for_config(cfg).today()
