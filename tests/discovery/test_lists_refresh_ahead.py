"""Refresh ahead (one refresher per list across processes), and lists of another ranking
version never served."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime

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
from tests.support import running_app

REFRESHED_WITHIN_SECONDS = 30.0  # generous: no request is made meanwhile


async def test_lists_being_read_are_refreshed_before_they_expire(
    provisioned: Settings, unique: str
) -> None:
    # Refreshed when less than 1.2 s is left (the list generated at G is refreshed at G+4.8);
    # the refreshed list is due again 4.8 s after its own generation, so the reads just past
    # the first expiry (G+6.1) find it with 3.5 s to spare.
    settings = provisioned.model_copy(
        update={
            "popular_ttl_seconds": 6,
            "refresh_ahead_fraction": 0.2,
            "refresh_ahead_interval_seconds": 0.05,
            "cache_ttl_jitter_fraction": 0.0,
            "memory_cache_ttl_seconds": 0.0,
        }
    )
    category = f"cat-{unique}"
    await seed(settings, category, [Seed(f"a-{unique}", 3), Seed(f"b-{unique}", 2)])
    params = {"category": category}
    async with running_app(settings) as one, running_app(settings) as two:
        async with http_client(one) as first, http_client(two) as second:
            original = (await first.get("/v1/discovery/popular", params=params)).json()
            await settle(one)
            assert (await second.get("/v1/discovery/popular", params=params)).json()[
                "source"
            ] == "dynamodb"
            services = [discovery(one), discovery(two)]

            async def refreshed() -> bool:
                return sum(s.metrics.refreshes for s in services) >= 1

            # A condition, not a deadline: should the refresh start late (a busy machine),
            # the reads below still find its list, waiting on its lock if need be.
            assert await eventually(refreshed, within=REFRESHED_WITHIN_SECONDS)
            expires = datetime.fromisoformat(original["expiresAt"]).timestamp()
            await asyncio.sleep(max(0.0, expires - time.time()) + 0.1)  # past the expiry
            after = [
                (await http.get("/v1/discovery/popular", params=params)).json()
                for http in (first, second)
            ]
        loads = [s.metrics.source_loads for s in services]
    assert [body["source"] for body in after] == ["dynamodb", "dynamodb"]  # nobody waited
    assert {body["generatedAt"] for body in after} != {original["generatedAt"]}
    assert len({body["generatedAt"] for body in after}) == 1
    assert ids(after[0]) == ids(original) == [f"a-{unique}", f"b-{unique}"]
    assert sum(loads) == 2  # the first computation and one refresh, in one of the processes


async def test_a_new_ranking_version_never_serves_old_lists(
    provisioned: Settings, unique: str
) -> None:
    old = provisioned.model_copy(update={"memory_cache_ttl_seconds": 0.0})
    new = old.model_copy(update={"event_weight_like": 7.0})
    category = f"cat-{unique}"
    await seed(old, category, [Seed(f"a-{unique}", views=10, likes=1)])
    params = {"category": category}
    async with (
        running_app(old) as before,
        running_app(new) as after,
        http_client(before) as old_http,
        http_client(after) as new_http,
    ):
        first = (await old_http.get("/v1/discovery/popular", params=params)).json()
        await settle(before)
        second = (await new_http.get("/v1/discovery/popular", params=params)).json()
        await settle(after)  # DynamoDB now holds the new version's list under the same key
        third = (await old_http.get("/v1/discovery/popular", params=params)).json()
        await settle(before)  # written back: DynamoDB holds the old version's list again
        fourth = (await new_http.get("/v1/discovery/popular", params=params)).json()
    assert [b["source"] for b in (first, second, third, fourth)] == [
        "postgres",
        "postgres",
        "redis",
        "redis",
    ]
    scores = [b["items"][0]["score"] for b in (first, second, third, fourth)]
    assert scores == [15.0, 17.0, 15.0, 17.0]
