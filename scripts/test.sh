#!/usr/bin/env bash
# The whole test suite: lint, type check, the architecture's import contracts, and pytest
# against real PostgreSQL, Redis and DynamoDB Local; then the cache-aside tests again against a
# real three-master Redis Cluster of the run's own (tests/redis_cluster.py). Each run gets its
# own database, Redis key prefix and DynamoDB Local port. With arguments: pytest with them only.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/bootstrap.sh
./scripts/ensure-services.sh
.venv/bin/ruff check
.venv/bin/ruff format --check
.venv/bin/mypy
.venv/bin/lint-imports --no-cache
if [ "$#" -gt 0 ]; then
  exec .venv/bin/pytest "$@"
fi
.venv/bin/pytest
MEDIAMESH_TEST_REDIS=cluster exec .venv/bin/pytest tests/discovery tests/cache tests/storage/test_redis.py
