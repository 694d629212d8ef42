#!/usr/bin/env bash
# Sets up sanji (with the test tools and chromium) and runs the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --browser
# Two workers (CI has two cores; SANJI_TEST_WORKERS=0 runs in one process); the slowest tests are listed at the end.
exec .venv/bin/python -m pytest -q -p no:cacheprovider -n "${SANJI_TEST_WORKERS:-2}" --durations=25 "$@"
