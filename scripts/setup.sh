#!/usr/bin/env bash
# Sets up sanji in ./.venv on a fresh Debian machine: virtualenv, `pip install -e .[test]`, and
# with --browser Debian's chromium for the browser tests. Safe to run again; it only adds what is missing.
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
.venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test]'

if [ "${1:-}" = "--browser" ] && ! command -v chromium >/dev/null; then
  echo "setup: installing Debian's chromium for the browser tests" >&2
  (as_root apt-get update -q && as_root apt-get install -y -q chromium) ||
    echo "setup: could not install chromium; browser tests will say so" >&2
fi
