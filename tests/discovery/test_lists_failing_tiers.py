"""A failing tier is skipped and write-backs never block or break a response: DynamoDB Local
of our own paused with SIGSTOP (it hangs), and Redis at a port where nothing listens."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest

from mediamesh.devstack import dynamodb_local
from mediamesh.settings import Settings
from tests.conftest import Stack
from tests.discovery.lists_support import Seed, discovery, http_client, ids, seed, settle
from tests.support import provision, running_app


@pytest.fixture
def own_dynamodb(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[dynamodb_local.RunningDynamoDBLocal]:
    server = dynamodb_local.start(
        dynamodb_local.free_port(), log_file=tmp_path_factory.mktemp("ddb") / "log"
    )
    try:
        yield server
    finally:
        server.resume()
        server.stop()


async def test_a_closed_redis_is_skipped(provisioned: Settings, unique: str) -> None:
    category = f"cat-{unique}"
    await seed(provisioned, category, [Seed(f"a-{unique}", 5), Seed(f"b-{unique}", 3)])
    settings = provisioned.model_copy(
        update={
            "redis_url": f"redis://127.0.0.1:{dynamodb_local.free_port()}/0",
            "memory_cache_ttl_seconds": 0.0,
        }
    )
    async with running_app(settings) as app, http_client(app) as http:
        params = {"category": category}
        first = await http.get("/v1/discovery/popular", params=params)
        await settle(app)
        second = await http.get("/v1/discovery/popular", params=params)
        metrics = discovery(app).metrics
    assert [r.status_code for r in (first, second)] == [200, 200]
    assert [r.json()["source"] for r in (first, second)] == ["postgres", "dynamodb"]
    assert ids(first.json()) == ids(second.json()) == [f"a-{unique}", f"b-{unique}"]
    redis, dynamodb = metrics.tiers["redis"], metrics.tiers["dynamodb"]
    assert (redis.errors, redis.write_back_errors, redis.hits) == (1, 1, 0)
    assert (dynamodb.misses, dynamodb.hits, dynamodb.write_backs) == (1, 1, 1)
    assert metrics.lock_errors == 1 and metrics.source_loads == 1


async def test_a_hanging_dynamodb_is_skipped_and_never_blocks_a_response(
    stack: Stack, unique: str, own_dynamodb: dynamodb_local.RunningDynamoDBLocal
) -> None:
    # DynamoDB reads keep their 0.3 s budget (a stopped DynamoDB exceeds any); its writes get
    # budgets far beyond the test, so a write started while it is stopped is still pending
    # when the responses are checked however slowly the machine runs, and goes through once
    # it runs again. Redis, never stopped here, gets a budget no busy machine exceeds.
    settings = stack.settings(
        dynamodb_endpoint=own_dynamodb.endpoint,
        table_prefix=f"{unique}-",
        memory_cache_ttl_seconds=0.0,
        cache_write_timeout_seconds=60.0,
        dynamodb_read_timeout_seconds=60.0,
        cache_redis_timeout_seconds=5.0,
        redis_timeout_seconds=5.0,
    )
    await provision(settings)
    warm, cold = f"warm-{unique}", f"cold-{unique}"
    await seed(settings, warm, [Seed(f"w-{unique}", 5)])
    await seed(settings, cold, [Seed(f"c-{unique}", 5)])
    async with running_app(settings) as app, http_client(app) as http:
        service = discovery(app)
        assert (await http.get("/v1/discovery/trending", params={"category": warm})).json()[
            "source"
        ] == "postgres"
        await settle(app)
        # counted from here: the first read may have missed DynamoDB or (slow) timed out
        before = replace(service.metrics.tier("dynamodb"))
        own_dynamodb.pause()
        try:
            # each response is out while its DynamoDB write still hangs
            from_redis = await http.get("/v1/discovery/trending", params={"category": warm})
            pending = [service.background.pending]
            computed = await http.get("/v1/discovery/trending", params={"category": cold})
            pending.append(service.background.pending)
        finally:
            own_dynamodb.resume()
        await settle(app)  # the writes that hung go through now
        metrics = service.metrics
    assert from_redis.status_code == computed.status_code == 200
    assert (from_redis.json()["source"], computed.json()["source"]) == ("redis", "postgres")
    assert ids(from_redis.json()) == [f"w-{unique}"] and ids(computed.json()) == [f"c-{unique}"]
    assert pending == [1, 2]  # the Redis hit's write-back, then the cold list's store too
    dynamodb, redis = metrics.tiers["dynamodb"], metrics.tiers["redis"]
    # timeouts: the warm read, the cold read and its re-check under the compute lock;
    # write-backs: the two that hung through the pause
    assert (
        dynamodb.timeouts - before.timeouts,
        dynamodb.write_back_errors - before.write_back_errors,
        dynamodb.write_backs - before.write_backs,
    ) == (3, 0, 2)
    assert (redis.hits, redis.write_backs, redis.write_back_errors) == (1, 2, 0)
