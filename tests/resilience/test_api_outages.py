"""One store cut off at a time (a FaultProxy in front of each), in process: what every route
answers, the stale list, short searches from DynamoDB, readiness and the breakers."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from mediamesh.settings import Settings
from mediamesh.storage import postgres
from tests.conftest import Stack
from tests.discovery.lists_support import discovery
from tests.resilience.fault_proxy import FaultProxy, Mode
from tests.resilience.proxies import Proxies, proxies_for
from tests.search.dynamodb_support import index_items
from tests.support import WRITE_HEADERS, running_app

DEADLINE_SECONDS = 20.0


@pytest.fixture
def proxies(provisioned: Settings) -> Iterator[Proxies]:
    with proxies_for(provisioned) as started:
        yield started


@contextmanager
def cut(proxy: FaultProxy, mode: Mode) -> Iterator[None]:
    """The store behind `proxy` refuses or hangs inside the block, and is back after it."""
    proxy.set_mode(mode)
    try:
        yield
    finally:
        proxy.set_mode("pass")


@asynccontextmanager
async def serving(settings: Settings) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    async with running_app(settings) as app:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://mediamesh") as client:
            yield app, client


def item(title: str, category: str) -> dict[str, Any]:
    return {"contentType": "PROGRAM", "title": title, "category": category, "language": "en"}


async def test_every_write_gets_503_with_retry_after_and_nothing_is_written(
    provisioned: Settings, proxies: Proxies, stack: Stack, unique: str
) -> None:
    a, b, c, d = (f"{unique}-{n}" for n in "abcd")
    body = item(f"Outage {unique}", f"c{unique}")
    # a short cool-down: the writes breaker opened during the outage; the first write after
    # it probes PostgreSQL and closes it (as a client retrying after Retry-After would)
    settings = proxies.route(provisioned, breaker_reset_seconds=0.2)
    async with serving(settings) as (_, client):
        with cut(proxies.postgres, "refuse"):
            answers = [
                await client.put(f"/v1/catalog/items/{a}", json=body, headers=WRITE_HEADERS),
                await client.post(
                    "/v1/catalog/items",
                    json={"items": [{**body, "contentId": b}]},
                    headers=WRITE_HEADERS,
                ),
                await client.delete(f"/v1/catalog/items/{c}", headers=WRITE_HEADERS),
                await client.post(
                    "/v1/discovery/events",
                    json={"events": [{"contentId": a, "type": "view", "userId": unique}]},
                    headers=WRITE_HEADERS,
                ),
                await client.put(f"/v1/search/index/{d}", json=body, headers=WRITE_HEADERS),
                await client.delete(f"/v1/search/index/{d}", headers=WRITE_HEADERS),
            ]
        seen = [
            (r.status_code, r.headers.get("retry-after"), r.json()["error"]["code"])
            for r in answers
        ]
        assert seen == [(503, "5", "postgres_unavailable")] * 6
        assert await stored(stack, [a, b, d], unique) == {"catalog": [], "search": [], "events": 0}
        await asyncio.sleep(0.3)
        # back: the same writes are acknowledged, and then present
        assert (
            await client.put(f"/v1/catalog/items/{a}", json=body, headers=WRITE_HEADERS)
        ).status_code == 200
        events = {"events": [{"contentId": a, "type": "view", "userId": unique}]}
        assert (
            await client.post("/v1/discovery/events", json=events, headers=WRITE_HEADERS)
        ).status_code == 202
    assert await stored(stack, [a, b, d], unique) == {"catalog": [a], "search": [a], "events": 1}


async def stored(stack: Stack, ids: list[str], user: str) -> dict[str, Any]:
    async with postgres.connect(stack.database_url) as conn:
        catalog = await conn.fetch(
            "SELECT content_id FROM catalog_items WHERE content_id = ANY($1) ORDER BY 1", ids
        )
        search = await conn.fetch(
            "SELECT content_id FROM search_documents WHERE content_id = ANY($1) ORDER BY 1", ids
        )
        # acknowledged events are durable in the inbox until folded into the raw table
        events = await conn.fetchval(
            "SELECT (SELECT count(*) FROM engagement_events WHERE user_id = $1)"
            " + (SELECT count(*) FROM engagement_inbox WHERE user_id = $1)",
            user,
        )
    return {
        "catalog": [r["content_id"] for r in catalog],
        "search": [r["content_id"] for r in search],
        "events": events,
    }


@pytest.mark.parametrize("fault", ["refuse", "hang"])
async def test_a_list_past_its_expiry_is_served_stale_while_postgres_is_down(
    provisioned: Settings, proxies: Proxies, unique: str, fault: Mode
) -> None:
    """Refused: the computation fails at once. Hanging: it would wait out its budget (made
    longer than the test's deadline here), so the stale copy must come after
    STALE_IF_SLOW_SECONDS instead, while the computation goes on in the background."""
    settings = proxies.route(
        provisioned,
        trending_ttl_seconds=1,
        breaker_reset_seconds=0.2,
        memory_cache_ttl_seconds=0,
        cache_postgres_timeout_seconds=60,
        stale_if_slow_seconds=0.5,
    )
    category = f"c{unique}"  # a list of this test's own, computed with its 1 s TTL
    params = {"contentType": "PROGRAM", "category": category, "limit": 7}
    async with serving(settings) as (app, client):
        for n in range(3):
            put = await client.put(
                f"/v1/catalog/items/{unique}-{n}",
                json=item(f"Stale {n}", category),
                headers=WRITE_HEADERS,
            )
            assert put.status_code == 200
        events = [{"contentId": f"{unique}-{n}", "type": "view"} for n in (0, 1, 1)]
        posted = await client.post(
            "/v1/discovery/events", json={"events": events}, headers=WRITE_HEADERS
        )
        assert posted.status_code == 202
        fresh = await client.get("/v1/discovery/trending", params=params)
        assert (fresh.status_code, "x-cache-stale" in fresh.headers) == (200, False)
        assert [i["contentId"] for i in fresh.json()["items"]] == [f"{unique}-1", f"{unique}-0"]
        with cut(proxies.postgres, fault):
            await asyncio.sleep(seconds_until(fresh.json()["expiresAt"]) + 0.1)
            async with asyncio.timeout(DEADLINE_SECONDS):  # not the 60 s budget
                stale = await client.get("/v1/discovery/trending", params=params)
            assert stale.status_code == 200
            assert stale.json()["items"] == fresh.json()["items"]
            assert stale.headers["x-cache-stale"] == "true"
            assert stale.headers["cache-control"] == "max-age=0, must-revalidate"
            assert stale.headers["warning"] == '110 - "Response is Stale"'
            assert discovery(app).metrics.stale_served >= 1
        # back: a fresh list (computed, or written back by refresh ahead) without the marks
        again = await until(
            client, "/v1/discovery/trending", params, lambda r: "x-cache-stale" not in r.headers
        )
        assert again.json()["items"] == fresh.json()["items"]


def seconds_until(iso: str) -> float:
    return max(0.0, datetime.fromisoformat(iso).timestamp() - time.time())


async def until(
    client: httpx.AsyncClient, path: str, params: dict[str, Any], done: Any
) -> httpx.Response:
    """GET `path` until `done(response)`, within DEADLINE_SECONDS (then fail)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + DEADLINE_SECONDS
    while True:
        response = await client.get(path, params=params)
        if done(response):
            return response
        assert loop.time() < deadline, f"{path}: still {response.status_code} {response.text[:300]}"
        await asyncio.sleep(0.1)


async def test_short_searches_are_answered_by_dynamodb_while_postgres_is_down(
    provisioned: Settings, proxies: Proxies, unique: str
) -> None:
    category = f"cat{unique}"
    titles = {f"{unique}-{n}": f"Lighthouse keeper {n}" for n in range(3)}
    async with serving(proxies.route(provisioned)) as (_, client):
        for content_id, title in titles.items():
            answer = await client.put(
                f"/v1/search/index/{content_id}", json=item(title, category), headers=WRITE_HEADERS
            )
            assert answer.status_code == 200
        await delivered(provisioned, set(titles))
        with cut(proxies.postgres, "refuse"):
            short = await client.get("/v1/search", params={"q": "lighthouse", "category": category})
            nothing = await client.get("/v1/search", params={"q": "zeppelin", "category": category})
            long = await client.get(
                "/v1/search", params={"q": "lighthouse " * 6, "category": category}
            )
    assert short.status_code == 200
    assert (short.json()["source"], sorted(i["contentId"] for i in short.json()["items"])) == (
        "dynamodb",
        sorted(titles),
    )
    # DynamoDB read the whole partition: "nothing" is exact, and served while PostgreSQL is down
    assert (nothing.status_code, nothing.json()["items"], nothing.json()["source"]) == (
        200,
        [],
        "dynamodb",
    )
    assert (long.status_code, long.headers["retry-after"]) == (503, "5")
    assert long.json()["error"]["code"] == "postgres_unavailable"


async def delivered(settings: Settings, content_ids: set[str]) -> None:
    """Wait (bounded) until the outbox relay delivered `content_ids` to DynamoDB."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + DEADLINE_SECONDS
    while not content_ids <= set(await index_items(settings)):
        assert loop.time() < deadline, "the outbox relay did not deliver in time"
        await asyncio.sleep(0.2)


async def test_readiness_fails_only_when_nothing_can_answer(
    provisioned: Settings, proxies: Proxies
) -> None:
    async with serving(proxies.route(provisioned)) as (_, client):
        with cut(proxies.postgres, "refuse"):
            one_down = await client.get("/health/ready")
            with cut(proxies.redis, "refuse"), cut(proxies.dynamodb, "refuse"):
                all_down = await client.get("/health/ready")
        back = await client.get("/health/ready")
    assert one_down.status_code == 200
    assert statuses(one_down) == {"postgres": "down", "redis": "up", "dynamodb": "up"}
    assert one_down.json()["services"] == {"discovery": True, "search": True}
    assert all_down.status_code == 503
    assert statuses(all_down) == {"postgres": "down", "redis": "down", "dynamodb": "down"}
    assert all_down.json() | {"dependencies": None} == {
        "status": "unavailable",
        "services": {"discovery": False, "search": False},
        "dependencies": None,
    }
    assert (back.status_code, statuses(back)) == (
        200,
        {"postgres": "up", "redis": "up", "dynamodb": "up"},
    )


def statuses(response: httpx.Response) -> dict[str, str]:
    return {name: dep["status"] for name, dep in response.json()["dependencies"].items()}


async def test_a_hanging_tier_is_skipped_then_its_breaker_opens(
    provisioned: Settings, proxies: Proxies
) -> None:
    # a long cool-down: the breaker stays open after DynamoDB is back, so "degraded" is seen
    settings = proxies.route(
        provisioned,
        memory_cache_ttl_seconds=0,
        breaker_reset_seconds=60,
        cache_write_timeout_seconds=30,  # no write-back fails while the reads are counted
        stale_if_slow_seconds=0,  # however slow the machine, Redis answers, not a stale copy
        cache_redis_timeout_seconds=5.0,  # and within its budget: Redis is not under test
    )
    async with serving(settings) as (app, client):
        assert (await client.get("/v1/discovery/popular")).status_code == 200
        await discovery(app).background.wait_idle()  # the list is stored in Redis
        counters = discovery(app).metrics.tiers["dynamodb"]
        threshold = app.state.resources.breakers.dynamodb_lists.failure_threshold
        requests = threshold + 3
        with cut(proxies.dynamodb, "hang"):
            answers = [await client.get("/v1/discovery/popular") for _ in range(requests - 1)]
            # the breaker is open by now (60 s cool-down): the last request skips DynamoDB
            skipped_before = counters.short_circuits
            answers.append(await client.get("/v1/discovery/popular"))
            skipped_by_last = counters.short_circuits - skipped_before
        live = await client.get("/health/live")
        ready = await client.get("/health/ready")
    assert [(r.status_code, r.headers["x-cache-source"]) for r in answers] == [
        (200, "redis")
    ] * requests
    # Each request reads DynamoDB once: at most `threshold` of them wait out their budget
    # and open the breaker, every request after that is short-circuited. Background reads
    # (a refresh ahead) count too, as a timeout or a short circuit depending on when the event
    # loop ran them: so lower bounds, not exact counts.
    assert counters.timeouts >= threshold
    assert counters.short_circuits >= requests - threshold
    assert skipped_by_last >= 1
    assert live.json()["breakers"]["dynamodb_lists"] == "open"
    dynamodb = ready.json()["dependencies"]["dynamodb"]
    assert (dynamodb["status"], dynamodb["breakers"]["dynamodb_lists"]["state"]) == (
        "degraded",
        "open",
    )


async def test_a_hanging_postgres_refuses_writes_within_their_budget_then_at_once(
    provisioned: Settings, proxies: Proxies, stack: Stack, unique: str
) -> None:
    """PostgreSQL accepts connections but answers nothing. Without a write budget each write
    would wait for asyncpg's 30 s command timeout; with it, the first writes get 503 after
    POSTGRES_WRITE_TIMEOUT_SECONDS, the breaker opens, the rest get 503 at once, and nothing
    is stored. (The deadline is a does-not-hang bound, far from any budget.)"""
    a, b = f"{unique}-a", f"{unique}-b"
    body = item(f"Hang {unique}", f"c{unique}")
    settings = proxies.route(
        provisioned,
        postgres_write_timeout_seconds=0.5,
        breaker_failure_threshold=2,
        breaker_reset_seconds=60,  # stays open after PostgreSQL is back: it is seen open
    )
    event = {"events": [{"contentId": a, "type": "view", "userId": unique}]}
    async with serving(settings) as (app, client):
        assert (  # a pooled connection exists before the hang, so a query is what hangs
            await client.put(f"/v1/catalog/items/{b}", json=body, headers=WRITE_HEADERS)
        ).status_code == 200
        with cut(proxies.postgres, "hang"):
            async with asyncio.timeout(DEADLINE_SECONDS):
                answers = [
                    await client.put(f"/v1/catalog/items/{a}", json=body, headers=WRITE_HEADERS),
                    await client.post("/v1/discovery/events", json=event, headers=WRITE_HEADERS),
                    await client.put(f"/v1/search/index/{a}", json=body, headers=WRITE_HEADERS),
                    await client.delete(f"/v1/catalog/items/{b}", headers=WRITE_HEADERS),
                ]
            breakers = (await client.get("/health/live")).json()["breakers"]
        seen = [
            (r.status_code, r.headers.get("retry-after"), r.json()["error"]["code"])
            for r in answers
        ]
        assert seen == [(503, "5", "postgres_unavailable")] * 4
        messages = [r.json()["error"]["message"] for r in answers]
        assert "within 0.5 s" in messages[0] and "circuit open" in messages[-1]
        assert breakers["postgres_writes"] == "open"
        assert app.state.resources.breakers.postgres_writes.short_circuits >= 2
    assert await stored(stack, [a, b], unique) == {"catalog": [b], "search": [b], "events": 0}
