"""A bounded key space: a list of a category or language the catalog does not have is
refused (404) with nothing computed, cached or registered; cached filtered lists are capped;
concurrent hits from Redis are written back to DynamoDB once. On the real stores."""

from __future__ import annotations

import asyncio
import time

from mediamesh.cache.tier import MISS
from mediamesh.discovery.cached_list import CachedList
from mediamesh.discovery.models import ListContentType, ListKind, ListQuery
from mediamesh.settings import Settings
from mediamesh.storage import redis as redis_client
from tests.conftest import Stack
from tests.discovery.lists_support import (
    Seed,
    call,
    discovery,
    http_client,
    publish_filter_values,
    seed,
    settle,
)
from tests.support import own_stores, running_app

TRENDING = "/v1/discovery/trending"


async def redis_keys(settings: Settings, pattern: str) -> list[bytes]:
    client = redis_client.create_client(settings.redis_url, cluster=bool(settings.redis_cluster))
    try:
        return [key async for key in client.scan_iter(match=pattern)]
    finally:
        await client.aclose()


async def test_unknown_filter_values_get_404_and_leave_nothing_behind(
    provisioned: Settings, unique: str
) -> None:
    category = f"known-{unique}"
    await seed(provisioned, category, [Seed(f"a-{unique}", views=3)])
    queries = [
        *({"category": f"nosuch-{unique}-{n}"} for n in range(30)),
        {"category": category, "language": f"zz-{unique[:8]}"},
        {"language": f"zz-{unique[:8]}", "contentType": "PROGRAM"},
    ]
    async with running_app(provisioned) as app, http_client(app) as http:
        answers = await asyncio.gather(*(http.get(TRENDING, params=q) for q in queries))
        again = await call(app, TRENDING, f"category=nosuch-{unique}-0")
        known = await http.get(TRENDING, params={"category": category})
        await settle(app)
        service = discovery(app)
        unknown = service.key(ListKind.TRENDING, ListQuery(category=f"nosuch-{unique}-0"))
        copies = [await tier.tier.get(unknown, time.time()) for tier in service.chain.tiers]
        refreshing = service.refresh.keys()
        loads = service.metrics.source_loads

    assert {a.status_code for a in answers} == {404}
    assert answers[0].json()["error"]["code"] == "not_found"
    assert f"nosuch-{unique}-0" in answers[0].json()["error"]["message"]
    assert again.framework and again.status == 404  # never in the near cache: the route's
    assert known.status_code == 200
    assert loads == 1  # the known list only
    assert await redis_keys(provisioned, f"*nosuch-{unique}*") == []  # no list, no lock
    assert await redis_keys(provisioned, f"*zz-{unique[:8]}*") == []
    assert copies == [MISS, MISS]
    assert [k.query.category for k in refreshing] == [category]


async def test_a_value_published_by_another_process_is_found_at_once(
    provisioned: Settings, unique: str
) -> None:
    category = f"new-{unique}"
    async with running_app(provisioned) as app, http_client(app) as http:
        before = await http.get(TRENDING, params={"category": category})
        await publish_filter_values(provisioned, unique, [(category, "en")])  # its own app
        after = await http.get(TRENDING, params={"category": category})
    assert (before.status_code, after.status_code) == (404, 200)
    assert after.json()["items"] == []  # published, no engagement yet


async def test_filtered_lists_beyond_the_cap_are_served_and_cached_nowhere(
    provisioned: Settings, unique: str
) -> None:
    settings = provisioned.model_copy(
        update={
            "redis_key_prefix": f"{provisioned.redis_key_prefix}{unique}:",
            "cache_max_filtered_lists": 2,
            "memory_cache_ttl_seconds": 0.0,
        }
    )
    category = f"cap-{unique}"
    await seed(settings, category, [Seed(f"a-{unique}", views=3)])
    types = list(ListContentType)
    async with running_app(settings) as app, http_client(app) as http:
        for content_type in types:  # one after the other: which two are cached is known
            response = await http.get(
                TRENDING, params={"category": category, "contentType": content_type.value}
            )
            assert response.status_code == 200
            await settle(app)
        service = discovery(app)
        keys = [service.key(ListKind.TRENDING, ListQuery(t, category)) for t in types]
        copies = [[await t.tier.get(k, time.time()) for t in service.chain.tiers] for k in keys]
        last = {"category": category, "contentType": types[-1].value}
        again = await http.get(TRENDING, params=last)  # computed again: cached nowhere
        metrics = service.metrics

    cached = [[isinstance(copy, CachedList) for copy in tiers] for tiers in copies]
    assert cached == [[True, True], [True, True], [False, False]]
    assert again.status_code == 200 and again.json()["source"] == "postgres"
    assert metrics.not_registered == 2
    lists = f"{settings.redis_key_prefix}{{discovery:lists}}:*"
    assert len(await redis_keys(settings, lists)) == 2


async def test_concurrent_hits_from_redis_are_written_back_once(stack: Stack, unique: str) -> None:
    # stores of its own: another test's takedown, purged by this app's purger meanwhile,
    # would rewrite the Redis copy of every registered list (a new generation) in between
    async with own_stores(stack, f"wb{unique}", memory_cache_ttl_seconds=0.0) as settings:
        await _written_back_once(settings, unique)


async def _written_back_once(settings: Settings, unique: str) -> None:
    category = f"wb-{unique}"
    await seed(settings, category, [Seed(f"a-{unique}", views=5), Seed(f"b-{unique}", views=2)])
    params = {"category": category}
    async with running_app(settings) as app, http_client(app) as http:
        assert (await http.get(TRENDING, params=params)).status_code == 200
        await settle(app)
        service = discovery(app)
        key = service.key(ListKind.TRENDING, ListQuery(category=category))
        dynamodb, redis = (tier.tier for tier in service.chain.tiers)
        await dynamodb.delete(key)  # only Redis has it now
        before = service.metrics.tier("dynamodb").write_backs
        answers = await asyncio.gather(*(http.get(TRENDING, params=params) for _ in range(20)))
        await settle(app)
        written = service.metrics.tier("dynamodb").write_backs - before
        in_dynamodb = await dynamodb.get(key, time.time())
        in_redis = await redis.get(key, time.time())

    assert {a.status_code for a in answers} == {200}
    assert written == 1
    assert isinstance(in_dynamodb, CachedList) and isinstance(in_redis, CachedList)
    assert in_dynamodb.generation == in_redis.generation
