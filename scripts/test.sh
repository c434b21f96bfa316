#!/usr/bin/env bash
# The whole test suite: lint, type check, the architecture's import contracts, and pytest
# against real PostgreSQL, Redis and DynamoDB Local. Each run gets its own database, Redis key
# prefix and DynamoDB Local port.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/bootstrap.sh
./scripts/ensure-services.sh
.venv/bin/ruff check
.venv/bin/ruff format --check
.venv/bin/mypy
.venv/bin/lint-imports --no-cache
exec .venv/bin/pytest "$@"
