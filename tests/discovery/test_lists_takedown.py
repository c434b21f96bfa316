"""Takedowns are immediate: a deleted or unpublished item leaves every cached list in every
tier at once, and the near caches of other processes through the takedown announcement (not
when their TTL runs out)."""

from __future__ import annotations

import time

from fastapi import FastAPI

from mediamesh.cache.tier import MISS
from mediamesh.discovery.cached_list import CachedList
from mediamesh.discovery.models import ListKind, ListQuery
from mediamesh.settings import Settings
from tests.discovery.lists_support import (
    Seed,
    discovery,
    eventually,
    http_client,
    ids,
    seed,
    settle,
)
from tests.support import WRITE_HEADERS, running_app


async def seeded(settings: Settings, unique: str) -> str:
    category = f"cat-{unique}"
    await seed(
        settings,
        category,
        [
            Seed(f"a-{unique}", views=90),
            Seed(f"b-{unique}", views=50),
            Seed(f"e-{unique}", views=70, content_type="EPISODE", program_id=f"b-{unique}"),
            Seed(f"c-{unique}", views=10),
        ],
    )
    return category


# The near cache keeps a list for NEAR_CACHE_TTL_SECONDS (the most the settings allow): only
# the cross-process invalidation can take an item out of another process's copy sooner. The
# other process is given PROPAGATED_WITHIN_SECONDS to show it: generous for a busy machine
# (the announcement takes milliseconds), and still well before its copy would expire.
NEAR_CACHE_TTL_SECONDS = 60.0
PROPAGATED_WITHIN_SECONDS = 30.0


def slow_near_cache(settings: Settings) -> Settings:
    return settings.model_copy(update={"memory_cache_ttl_seconds": NEAR_CACHE_TTL_SECONDS})


async def listed(app: FastAPI, category: str) -> list[str]:
    async with http_client(app) as http:
        response = await http.get("/v1/discovery/trending", params={"category": category})
    assert response.status_code == 200, response.text
    return ids(response.json())


async def tier_copies(app: FastAPI, category: str) -> list[list[str] | None]:
    service = discovery(app)
    key = service.key(ListKind.TRENDING, ListQuery(category=category))
    copies = [await tier.tier.get(key, time.time()) for tier in service.chain.tiers]
    return [None if c is MISS else [e.content_id for e in c.entries] for c in copies]


async def test_delete_reaches_every_tier_and_process(provisioned: Settings, unique: str) -> None:
    settings = slow_near_cache(provisioned)
    category = await seeded(settings, unique)
    a, b, c, e = (f"{x}-{unique}" for x in "abce")
    async with running_app(settings) as one, running_app(settings) as two:
        assert await listed(one, category) == [a, e, b, c]
        await settle(one)
        assert await listed(two, category) == [a, e, b, c]  # now in two's near cache
        async with http_client(one) as http:
            response = await http.delete(f"/v1/catalog/items/{a}", headers=WRITE_HEADERS)
        assert response.status_code == 204
        # on return: DynamoDB's copy is dropped, Redis holds the list without the item
        assert await tier_copies(one, category) == [None, [e, b, c]]
        assert await listed(one, category) == [e, b, c]

        async def gone_in_two() -> bool:
            return await listed(two, category) == [e, b, c]

        assert await eventually(gone_in_two, within=PROPAGATED_WITHIN_SECONDS)
        await settle(one, two)
        # the Redis hit was written back: DynamoDB serves the fixed list again
        assert await tier_copies(one, category) == [[e, b, c], [e, b, c]]
        assert discovery(one).metrics.source_loads == 1  # no recomputation was needed


async def test_deleting_a_program_takes_its_episodes_along(
    provisioned: Settings, unique: str
) -> None:
    category = await seeded(provisioned, unique)
    a, b, c, e = (f"{x}-{unique}" for x in "abce")
    async with running_app(provisioned) as app:
        assert await listed(app, category) == [a, e, b, c]
        async with http_client(app) as http:
            await http.delete(f"/v1/catalog/items/{b}", headers=WRITE_HEADERS)
        assert await listed(app, category) == [a, c]
        ranks = await _ranks(app, category)
    assert ranks == [1, 2]


async def test_unpublishing_removes_the_item(provisioned: Settings, unique: str) -> None:
    settings = slow_near_cache(provisioned)
    category = await seeded(settings, unique)
    a, b, c, e = (f"{x}-{unique}" for x in "abce")
    async with running_app(settings) as one, running_app(settings) as two:
        assert await listed(one, category) == [a, e, b, c]
        assert await listed(two, category) == [a, e, b, c]
        body = {"contentType": "PROGRAM", "title": "Hidden", "category": category,
                "status": "unpublished"}  # fmt: skip
        async with http_client(two) as http:
            response = await http.put(f"/v1/catalog/items/{c}", json=body, headers=WRITE_HEADERS)
        assert response.status_code == 200, response.text
        assert await listed(two, category) == [a, e, b]

        async def gone_in_one() -> bool:
            return await listed(one, category) == [a, e, b]

        assert await eventually(gone_in_one, within=PROPAGATED_WITHIN_SECONDS)


async def test_a_stale_list_written_back_after_the_takedown_is_not_served(
    provisioned: Settings, unique: str
) -> None:
    """A process that computed before the takedown may write its list back afterwards; a
    process started later still filters it (it learns recent takedowns from the log in PostgreSQL)."""
    category = await seeded(provisioned, unique)
    a, b, c, e = (f"{x}-{unique}" for x in "abce")
    async with running_app(provisioned) as one:
        assert await listed(one, category) == [a, e, b, c]
        await settle(one)
        service = discovery(one)
        key = service.key(ListKind.TRENDING, ListQuery(category=category))
        before = await service.chain.tiers[1].tier.get(key, time.time())
        assert isinstance(before, CachedList)
        async with http_client(one) as http:
            await http.delete(f"/v1/catalog/items/{a}", headers=WRITE_HEADERS)
        for tier in service.chain.tiers:  # the late write-back of the old list
            await tier.tier.put(key, before)
    async with running_app(provisioned) as later:
        assert await listed(later, category) == [e, b, c]


async def _ranks(app: FastAPI, category: str) -> list[int]:
    async with http_client(app) as http:
        response = await http.get("/v1/discovery/trending", params={"category": category})
    return [item["rank"] for item in response.json()["items"]]
