#!/usr/bin/env bash
# Sets up sanji and runs the demo county network on 127.0.0.1 (Ctrl-C stops it).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/sanji demo "$@"
