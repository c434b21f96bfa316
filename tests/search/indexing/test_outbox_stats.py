"""The outbox gauges of /metrics: right (backlog, retrying rows, age of the oldest), sampled in
the background, and read by a scrape without a query. DynamoDB is a port where nothing
listens, so the rows stay in the outbox of this test's own database."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx

from mediamesh.devstack import dynamodb_local
from mediamesh.search.indexing.outbox_stats import OutboxStatsSampler
from mediamesh.search.runtime import SearchRuntime
from tests.conftest import Stack
from tests.search.dynamodb_support import own_database
from tests.support import WRITE_HEADERS, running_app

DEADLINE_SECONDS = 30.0
_GAUGE = re.compile(r"^(mediamesh_search_outbox_\w+) (\S+)$", re.MULTILINE)


@asynccontextmanager
async def search_app(
    stack: Stack, unique: str, interval: float
) -> AsyncIterator[tuple[httpx.AsyncClient, OutboxStatsSampler]]:
    async with own_database(stack, unique) as url:
        settings = stack.settings(
            database_url=url,
            dynamodb_endpoint=f"http://127.0.0.1:{dynamodb_local.free_port()}",
            search_outbox_stats_interval_seconds=interval,
            search_outbox_retry_base_seconds=600.0,  # a failed row waits: counted as retrying
            search_outbox_retry_max_seconds=600.0,
        )
        async with running_app(settings, "search") as app:
            search = app.state.search
            assert isinstance(search, SearchRuntime) and search.outbox_stats is not None
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://mm") as client:
                yield client, search.outbox_stats


async def _gauges(client: httpx.AsyncClient) -> dict[str, float]:
    response = await client.get("/metrics")
    assert response.status_code == 200
    return {name: float(value) for name, value in _GAUGE.findall(response.text)}


async def _index(client: httpx.AsyncClient, unique: str, count: int) -> None:
    docs = [
        {"contentId": f"{unique}-{n}", "contentType": "PROGRAM", "title": f"Doc {n}"}
        for n in range(count)
    ]
    response = await client.post(
        "/v1/search/index", json={"documents": docs}, headers=WRITE_HEADERS
    )
    assert response.status_code == 200, response.text


async def test_the_gauges_follow_the_outbox(stack: Stack, unique: str) -> None:
    async with search_app(stack, unique, interval=0.1) as (client, _):
        await _index(client, unique, 3)
        deadline = asyncio.get_running_loop().time() + DEADLINE_SECONDS
        while True:
            gauges = await _gauges(client)
            # every row tried once against the dead endpoint, then waiting out its backoff
            if gauges["mediamesh_search_outbox_retrying"] == 3:
                break
            assert asyncio.get_running_loop().time() < deadline, gauges
            await asyncio.sleep(0.05)
    assert gauges["mediamesh_search_outbox_backlog"] == 3
    assert gauges["mediamesh_search_outbox_oldest_pending_seconds"] > 0


async def test_a_scrape_reads_the_last_sample_and_queries_nothing(
    stack: Stack, unique: str
) -> None:
    async with search_app(stack, unique, interval=3600) as (client, sampler):
        deadline = asyncio.get_running_loop().time() + DEADLINE_SECONDS
        while sampler.samples == 0:  # the sample taken at start-up, of an empty outbox
            assert asyncio.get_running_loop().time() < deadline, "no sample at start-up"
            await asyncio.sleep(0.05)
        await _index(client, unique, 2)
        # two rows wait now, but scrapes show the sample: they did not count the outbox
        for _ in range(3):
            assert (await _gauges(client))["mediamesh_search_outbox_backlog"] == 0
        await sampler.sample()  # what the next interval would do
        assert (await _gauges(client))["mediamesh_search_outbox_backlog"] == 2
        assert sampler.samples == 2
