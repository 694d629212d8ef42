#!/usr/bin/env bash
# Sets up sanji in ./.venv on a fresh Debian machine: virtualenv, `pip install -e .[test]`, and
# with --browser Debian's chromium (and fonts, and espeak-ng for read-aloud) for the browser tests and a kiosk PC. Safe to run again; it only adds what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else return 1; fi; }

if [ ! -x .venv/bin/python ]; then
  if ! "$PY" -m venv .venv 2>/dev/null; then
    echo "setup: python3-venv is missing; installing it with apt-get" >&2
    rm -rf .venv
    as_root apt-get update -q && as_root apt-get install -y -q python3-venv
    "$PY" -m venv .venv
  fi
fi
# pip and setuptools print hundreds of lines of warnings while building: kept in a log, shown on failure.
log=.venv/setup-pip.log
if ! { .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip &&
       .venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test]'; } >"$log" 2>&1; then
  tail -n 40 "$log" >&2
  echo "setup: pip install failed; the whole output is in $log" >&2
  exit 1
fi

# Every node prints papers (受理通知书, 一次性告知书 …) as PDF: WeasyPrint needs Pango, and a Chinese
# font with TrueType outlines keeps each paper small (~35 KB; Noto CJK's CFF outlines make ~200 KB).
# (grep reads all of its input here: with pipefail, grep -q would end the pipe early and fc-list die of SIGPIPE.)
pdf_missing=""
fc-list 2>/dev/null | grep -i "WenQuanYi Zen Hei" >/dev/null || pdf_missing=" fonts-wqy-zenhei"
ldconfig -p 2>/dev/null | grep "libpangoft2-1.0.so" >/dev/null || pdf_missing="$pdf_missing libpango-1.0-0 libpangoft2-1.0-0"
if [ -n "$pdf_missing" ]; then
  echo "setup: installing$pdf_missing from Debian for the printed papers" >&2
  # shellcheck disable=SC2086
  (as_root apt-get update -q && as_root apt-get install -y -q $pdf_missing) >/dev/null ||
    echo "setup: could not install $pdf_missing; papers cannot be printed until it is (the page says so)" >&2
fi

# The browser tests (and a kiosk PC) need chromium and fonts for Chinese text and the icons' emoji:
# without them every character is a box, and the screenshots in docs/ would show boxes too.
if [ "${1:-}" = "--browser" ]; then
  missing=""
  command -v chromium >/dev/null || missing="chromium"
  fc-list :lang=zh 2>/dev/null | grep -q . || missing="$missing fonts-noto-cjk"
  fc-list 2>/dev/null | grep -qi "color emoji" || missing="$missing fonts-noto-color-emoji"
  # The kiosk's read-aloud when its browser has no Chinese voice (village_kiosk/speech.py).
  command -v espeak-ng >/dev/null || missing="$missing espeak-ng"
  if [ -n "$missing" ]; then
    echo "setup: installing$missing from Debian for the browser tests" >&2
    # shellcheck disable=SC2086
    (as_root apt-get update -q && as_root apt-get install -y -q $missing) ||
      echo "setup: could not install$missing; browser tests will say so" >&2
  fi
fi
