#!/usr/bin/env bash
# One entry point for a fresh Debian/Ubuntu machine: system packages, a private venv, then the job.
#   ./dev.sh run [ARGS]   the desktop app with a room on a relay on this machine (headless, printing
#                         the invite link, when there is no screen)
#   ./dev.sh test [ARGS]  run the whole test suite
#   ./dev.sh check        ruff and mypy --strict
set -euo pipefail
cd "$(dirname "$0")"
job="${1:-run}"; shift || true
scripts/setup-system.sh
# Majlis' packages have common top-level names (app, crypto), so it lives in its own venv only.
PY="${MAJLIS_PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then "$PY" -m venv .venv; fi
stamp=.venv/.majlis-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  .venv/bin/python -m pip install -q --upgrade pip >/dev/null
  .venv/bin/python -m pip install -q -e ".[dev]"
  touch "$stamp"
fi
scripts/build-opus.sh .venv
case "$job" in
  run)   exec .venv/bin/majlis app --room "Majlis" --print-invite "$@" ;;
  test)  exec .venv/bin/python -m pytest "$@" ;;
  check) .venv/bin/ruff check . && exec .venv/bin/mypy crypto relay audio ;;
  *) echo "usage: ./dev.sh run|test|check" >&2; exit 2 ;;
esac
