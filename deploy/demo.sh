#!/usr/bin/env bash
# Set up (idempotent) and run the demo until Ctrl-C; see sandbox/demo.py.
set -euo pipefail
cd "$(dirname "$0")/.."
bash deploy/setup.sh
exec .venv/bin/python -m sandbox.demo "$@"
