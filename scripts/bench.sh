#!/usr/bin/env bash
# The benchmark suite in one command (docs/PERFORMANCE.md): ./scripts/bench.sh [--quick]
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v wrk >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    apt-get install -y wrk >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }
  else
    echo "wrk is missing: run 'sudo apt-get install -y wrk' (Debian/Ubuntu), then again" >&2
    exit 1
  fi
fi
./scripts/ensure-services.sh >/dev/null
exec .venv/bin/python -m bench.run "$@"
