"""No stampede: many concurrent requests for a cold list, in two processes (two apps with
their own single flight, sharing Redis and DynamoDB), compute it once."""

from __future__ import annotations

import asyncio

from mediamesh.settings import Settings
from tests.discovery.lists_support import Seed, discovery, http_client, ids, seed, settle
from tests.support import running_app


async def test_a_cold_list_is_computed_once_across_processes(
    provisioned: Settings, unique: str
) -> None:
    # budgets no busy machine exceeds: a Redis read or lock timing out would open the breaker
    # and let each process compute (the fallback the fault tests cover), not what this tests
    provisioned = provisioned.model_copy(
        update={
            "cache_redis_timeout_seconds": 5.0,
            "cache_dynamodb_timeout_seconds": 5.0,
            "redis_timeout_seconds": 5.0,
        }
    )
    category = f"cat-{unique}"
    await seed(provisioned, category, [Seed(f"a-{unique}", 9), Seed(f"b-{unique}", 4)])
    params = {"category": category, "contentType": "PROGRAM"}
    async with running_app(provisioned) as one, running_app(provisioned) as two:
        async with http_client(one) as first, http_client(two) as second:
            responses = await asyncio.gather(
                *(c.get("/v1/discovery/popular", params=params) for c in [first, second] * 25)
            )
        await settle(one, two)
        metrics = [discovery(app).metrics for app in (one, two)]

    assert {r.status_code for r in responses} == {200}
    assert {tuple(ids(r.json())) for r in responses} == {(f"a-{unique}", f"b-{unique}")}
    assert len({r.json()["generatedAt"] for r in responses}) == 1  # one computation's list
    assert sum(m.source_loads for m in metrics) == 1
