#!/usr/bin/env bash
# Sets up sanji (with the test tools and chromium) and runs the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --browser
# Two workers (CI has two cores; SANJI_TEST_WORKERS=0 runs in one process), each taking whole files: a
# module's tests share its fixtures and run in their order. The slowest tests are listed at the end.
exec .venv/bin/python -m pytest -q -p no:cacheprovider -n "${SANJI_TEST_WORKERS:-2}" --dist loadfile --durations=25 "$@"
