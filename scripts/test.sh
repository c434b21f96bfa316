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
.venv/bin/pytest --durations=15  # the slowest tests, in the log for whoever speeds the suite up
# the cache-aside tests: the lists through every tier, the tiers, takedowns, the cache machinery
MEDIAMESH_TEST_REDIS=cluster exec .venv/bin/pytest tests/discovery/test_lists_*.py \
  tests/discovery/test_fast_lists.py tests/discovery/test_takedown_feed.py tests/discovery/tiers \
  tests/cache tests/storage/test_redis.py
