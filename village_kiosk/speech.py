"""Read-aloud audio the node makes when the kiosk's browser has no voice: espeak-ng, cached per text.

A kiosk's browser often has no Chinese voice (Chromium on Linux has none), so the read-aloud button
would do nothing. The node speaks instead: the page sends what it shows (heading, question, choices,
error), this module cleans it (no emoji, no symbols, no navigation words), makes a WAV with espeak-ng
(Debian's `espeak-ng`, Mandarin voice `cmn`), and keeps it under DATA/speech/ by the text's hash, so
the same screen is made once. Bounded: the text's length, one synthesis at a time, a time limit for
each, and the cache's size (oldest files go first).
"""
import hashlib
import os
import re
import shutil
import subprocess
import tempfile
import threading
import unicodedata
from functools import lru_cache
from pathlib import Path

from common.errors import ConfigError, TooMany, Unavailable, ValidationError

MAX_CHARS = 600               # a screen's words; more is not a kiosk page
SYNTH_SECONDS = 15            # espeak-ng makes ~20 s of speech in well under a second
WAIT_SECONDS = 5              # a second request waits this long for the one being made
CACHE_BYTES = 64 * 1024 * 1024
VOICES = {"zh": "cmn", "en": "en-us"}
RATE = {"zh": 150, "en": 150}  # words a minute: slower than espeak's 175, for older listeners
# Words of the page's furniture, never read out (the page leaves those elements out; this is the net).
NAVIGATION = ("← 返回", "⌂ 首页", "🔊 朗读", "返回首页", "English", "中文", "← Back", "⌂ Home", "🔊 Read aloud")
_busy = threading.Lock()


def engine(cfg):
    """The espeak-ng program the node uses, or None when read-aloud by the node is off or not installed."""
    setting = str(cfg.get("kiosk_voice", "espeak-ng") or "")
    if not setting:
        return None
    if setting != "espeak-ng":
        raise ConfigError(f"kiosk_voice {setting!r} 无效 / unknown voice", fix="kiosk_voice is espeak-ng or empty (off)")
    return _which("espeak-ng")


@lru_cache(maxsize=4)
def _which(name):
    return shutil.which(name)


@lru_cache(maxsize=8)
def _has_voice(program, voice):
    try:
        out = subprocess.run([program, f"--voices={voice}"], capture_output=True, text=True, timeout=5).stdout
    except (OSError, subprocess.SubprocessError):
        return False
    return any(line.split()[1:2] == [voice] for line in out.splitlines()[1:])


def available(cfg, lang):
    """True when the node can speak LANG (espeak-ng installed with its voice, and not switched off)."""
    program = engine(cfg)
    return bool(program) and _has_voice(program, VOICES.get(lang, "cmn"))


def clean(text):
    """TEXT as it should be heard: no emoji or symbols, no navigation words, spaces collapsed, bounded."""
    if not isinstance(text, str):
        raise ValidationError("朗读的内容须是文字 / text to read must be a string")
    text = text[:4 * MAX_CHARS]  # what could be said is bounded before anything is looked at
    for words in NAVIGATION:
        text = text.replace(words, " ")
    kept = []
    for ch in text:
        cat = unicodedata.category(ch)
        if cat in ("So", "Sk", "Cs", "Co", "Cn") or cat.startswith("C") and ch not in "\n\t":
            kept.append(" ")  # emoji and pictographs (✔ ⚠ 📷 …), modifiers, control characters
        elif ch in "←→↑↓⌂⌫⇧✖✔":
            kept.append(" ")
        else:
            kept.append(ch)
    text = re.sub(r"[ \t\u3000]+", " ", "".join(kept))
    text = re.sub(r"\s*\n\s*", "\n", text).strip()
    if not text:
        raise ValidationError("没有可以朗读的内容 / nothing to read")
    return text[:MAX_CHARS]


def audio(cfg, text, lang):
    """The path of a WAV of TEXT spoken in LANG (made now or taken from the cache)."""
    program = engine(cfg)
    if not program or not available(cfg, lang):
        raise Unavailable("这台机器不能朗读 / this kiosk has no voice", fix="install espeak-ng (scripts/setup.sh)")
    words = clean(text)
    voice = VOICES.get(lang, "cmn")
    folder = Path(cfg.data_dir) / "speech"
    path = folder / (hashlib.sha256(f"{voice}\n{words}".encode()).hexdigest()[:40] + ".wav")
    if path.exists():
        os.utime(path)  # recently heard: kept longest
        return path
    if not _busy.acquire(timeout=WAIT_SECONDS):
        raise TooMany("正在准备朗读，请稍等 / the voice is busy", fix="tap again in a moment")
    try:
        if path.exists():
            return path
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, suffix=".part")
        os.close(fd)
        try:
            # The words go on stdin, never on the command line: nothing in them is read as an option.
            subprocess.run([program, "-v", voice, "-s", str(RATE.get(lang, 150)), "-w", tmp, "--stdin"],
                           input=words.encode("utf-8"), capture_output=True, timeout=SYNTH_SECONDS, check=True)
            if os.path.getsize(tmp) <= 44:  # a bare WAV header: nothing was spoken
                raise Unavailable("朗读失败 / the voice made no sound", fix="check espeak-ng on this kiosk")
            os.replace(tmp, path)
        except (OSError, subprocess.SubprocessError):
            raise Unavailable("朗读失败 / the voice could not be made", fix="check espeak-ng on this kiosk") from None
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        _trim(folder)
        return path
    finally:
        _busy.release()


def _trim(folder, limit=CACHE_BYTES):
    files = sorted(folder.glob("*.wav"), key=lambda p: p.stat().st_mtime)
    total = sum(p.stat().st_size for p in files)
    while files and total > limit:
        oldest = files.pop(0)
        total -= oldest.stat().st_size
        oldest.unlink(missing_ok=True)
