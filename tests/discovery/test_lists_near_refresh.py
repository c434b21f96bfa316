"""Past its near-cache TTL a list is still served from memory while exactly one request
refreshes it in the background; a takedown still clears it at once."""

from __future__ import annotations

import asyncio
import time

from mediamesh.discovery.cached_list import ListKey
from mediamesh.discovery.models import ListKind, ListQuery
from mediamesh.discovery.rendering import RenderedList
from mediamesh.discovery.service import DiscoveryService
from mediamesh.settings import Settings
from tests.discovery.lists_support import Seed, discovery, http_client, ids, seed, settle
from tests.support import WRITE_HEADERS, running_app

TTL = 30.0
PATH = "/v1/discovery/trending"


def near_key(service: DiscoveryService, category: str) -> tuple[ListKey, int]:
    return service.key(ListKind.TRENDING, ListQuery(category=category)), 20


def expire(service: DiscoveryService, key: tuple[ListKey, int]) -> RenderedList:
    """Age the near copy past its TTL (as if stored TTL + 1 s ago), inside its stale window."""
    found = service.near.lookup(key, time.monotonic())
    assert found is not None
    service.near.put(key, found[0], time.monotonic() - TTL - 1)
    assert service.near.get(key, time.monotonic()) is None  # no longer fresh
    return found[0]


def tier_reads(service: DiscoveryService) -> int:
    return sum(c.hits + c.misses for c in service.metrics.tiers.values())


async def test_an_expired_copy_is_served_while_one_request_refreshes_it(
    provisioned: Settings, unique: str
) -> None:
    settings = provisioned.model_copy(update={"memory_cache_ttl_seconds": TTL})
    category = f"swr-{unique}"
    await seed(settings, category, [Seed(f"a-{unique}", views=5), Seed(f"b-{unique}", views=3)])
    async with running_app(settings, "discovery") as app, http_client(app) as http:
        service = discovery(app)
        computed = await http.get(PATH, params={"category": category})
        await settle(app)  # the tiers hold it
        key = near_key(service, category)
        old = expire(service, key)
        reads, loads = tier_reads(service), service.metrics.source_loads
        answers = await asyncio.gather(
            *(http.get(PATH, params={"category": category}) for _ in range(20))
        )
        await settle(app)
        assert {(a.status_code, a.headers["x-cache-source"]) for a in answers} == {(200, "memory")}
        assert {a.content for a in answers} == {old.body}
        assert tier_reads(service) - reads == 1  # one refresh, from the first tier
        assert service.metrics.source_loads == loads
        fresh = service.near.get(key, time.monotonic())
        assert fresh is not None and fresh is not old
        assert ids(computed.json()) == [f"a-{unique}", f"b-{unique}"]


async def test_a_takedown_clears_an_expired_copy_and_its_refresh_respects_it(
    provisioned: Settings, unique: str
) -> None:
    settings = provisioned.model_copy(update={"memory_cache_ttl_seconds": TTL})
    category = f"swr-{unique}"
    await seed(settings, category, [Seed(f"a-{unique}", views=5), Seed(f"b-{unique}", views=3)])
    async with running_app(settings, "discovery") as app, http_client(app) as http:
        service = discovery(app)
        await http.get(PATH, params={"category": category})
        await settle(app)
        key = near_key(service, category)
        expire(service, key)
        stale = await http.get(PATH, params={"category": category})  # starts the refresh
        assert stale.headers["x-cache-source"] == "memory"
        assert f"a-{unique}" in ids(stale.json())
        deleted = await http.delete(f"/v1/catalog/items/a-{unique}", headers=WRITE_HEADERS)
        assert deleted.status_code == 204, deleted.text
        after = await http.get(PATH, params={"category": category})
        await settle(app)  # the refresh started before the takedown has landed too
        again = await http.get(PATH, params={"category": category})
    assert ids(after.json()) == ids(again.json()) == [f"b-{unique}"]
