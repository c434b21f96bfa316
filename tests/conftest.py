"""Shared fixtures: the real stores, isolated per test run.

- DynamoDB Local: started by this run on a free port (in memory), stopped at the end.
- PostgreSQL: a database of this run's own (`mediamesh_test_<run id>`), dropped at the end.
- Redis: a key prefix of this run's own, its keys deleted at the end; or, with
  MEDIAMESH_TEST_REDIS=cluster, a Redis Cluster of this run's own (three masters, stopped at
  the end: tests/redis_cluster.py), which scripts/test.sh runs the cache-aside tests against.
So several runs on one machine (a developer and CI, say) never see each other's data.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import pytest
import redis.asyncio as aioredis

from mediamesh.devstack import dynamodb_local
from mediamesh.settings import Settings
from mediamesh.storage import postgres
from mediamesh.storage.dynamodb import observers
from mediamesh.storage.migrations import migrate
from tests.redis_cluster import OwnCluster, own_cluster
from tests.security.operation_log import OperationLog

ADMIN_DATABASE_URL = os.environ.get(
    "MEDIAMESH_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("MEDIAMESH_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
REDIS_MODE = os.environ.get("MEDIAMESH_TEST_REDIS", "single")
if REDIS_MODE not in ("single", "cluster"):
    raise RuntimeError(f"MEDIAMESH_TEST_REDIS={REDIS_MODE!r}: choose single or cluster")
RUN_ID = f"{os.getpid()}_{uuid.uuid4().hex[:8]}"


@dataclass(frozen=True)
class Stack:
    dynamodb: dynamodb_local.RunningDynamoDBLocal
    database_url: str
    redis_url: str
    run_id: str
    redis_cluster: bool = False

    def settings(self, **overrides: object) -> Settings:
        """Settings for this run's stores; table names carry `prefix` when given."""
        prefix = str(overrides.pop("table_prefix", f"t{self.run_id}-"))
        values: dict[str, object] = {
            "dynamodb_enabled": True,
            "dynamodb_endpoint": self.dynamodb.endpoint,
            "aws_region": "us-east-1",
            "aws_access_key_id": "local",
            "aws_secret_access_key": "local",
            "dynamodb_table_trending": f"{prefix}mediamesh-trending",
            "dynamodb_table_popular": f"{prefix}mediamesh-popular",
            "dynamodb_table_search_index": f"{prefix}mediamesh-search-index",
            "database_url": self.database_url,
            "redis_url": self.redis_url,
            "redis_cluster": self.redis_cluster,
            "redis_key_prefix": f"mmtest:{self.run_id}:",
            "mediamesh_api_keys": "test-key-1,test-key-2",
            # off unless a test asks for it (tests/search/test_warm_up.py): a warm-up would
            # open connections and run searches beside what a test counts or breaks
            "search_warm_up_connections": 0,
        }
        values.update(overrides)
        return Settings.model_validate(values)


def _database_url(name: str) -> str:
    return ADMIN_DATABASE_URL.rsplit("/", 1)[0] + "/" + name


@pytest.fixture(scope="session")
def dynamodb_server(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[dynamodb_local.RunningDynamoDBLocal]:
    log = tmp_path_factory.mktemp("dynamodb") / "dynamodb-local.log"
    server = dynamodb_local.start(dynamodb_local.free_port(), log_file=log)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def redis_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OwnCluster | None]:
    """This run's own Redis Cluster when MEDIAMESH_TEST_REDIS=cluster, else None."""
    if REDIS_MODE != "cluster":
        yield None
        return
    with own_cluster(tmp_path_factory.mktemp("redis-cluster")) as cluster:
        yield cluster


@pytest.fixture(scope="session")
async def stack(
    dynamodb_server: dynamodb_local.RunningDynamoDBLocal, redis_cluster: OwnCluster | None
) -> AsyncIterator[Stack]:
    url = _database_url(f"mediamesh_test_{RUN_ID}")
    await postgres.ensure_database(url)
    async with postgres.connect(url) as conn:
        await migrate(conn)
    if redis_cluster is not None:  # gone with its processes at the end
        yield Stack(dynamodb_server, url, redis_cluster.url, RUN_ID, redis_cluster=True)
        await postgres.drop_database(url)
        return
    yield Stack(dynamodb_server, url, REDIS_URL, RUN_ID)
    await postgres.drop_database(url)
    client = aioredis.Redis.from_url(REDIS_URL)
    async for key in client.scan_iter(match=f"mmtest:{RUN_ID}:*", count=1000):
        await client.delete(key)
    await client.aclose()


@pytest.fixture
def unique() -> str:
    """A short id unique to one test, for table prefixes and content ids."""
    return uuid.uuid4().hex[:10]


@pytest.fixture(scope="session")
async def provisioned(stack: Stack) -> Settings:
    """Settings whose tables (this run's prefix) exist; shared by the API tests of a run."""
    from tests.support import provision

    settings = stack.settings()
    await provision(settings)
    return settings


# --- the IAM proof (tests/security/test_iam_policies.py) ---
RUNS_LAST = "runs_last"


@pytest.fixture(scope="session", autouse=True)
def dynamodb_operations() -> Iterator[OperationLog]:
    """Every DynamoDB operation any client makes during the session, for the IAM proof."""
    recorded = OperationLog()
    with observers.observing(recorded):
        yield recorded


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", f"{RUNS_LAST}: run after every other test of the session")


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # a stable sort: tests marked runs_last move to the end, everything else keeps its order
    items.sort(key=lambda item: item.get_closest_marker(RUNS_LAST) is not None)
