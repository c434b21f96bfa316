"""`mediamesh_search_embedding_backlog` in /metrics: the documents waiting for a vector, as
last sampled in the background. The test holds the worker's lock, so the app's own worker
waits and the backlog stays put until the test lets it go."""

from __future__ import annotations

import re

import asyncpg
import httpx

from mediamesh.search.runtime import SearchRuntime
from mediamesh.search.semantic import repository
from tests.conftest import Stack
from tests.search.dynamodb_support import own_database
from tests.search.semantic.embedding_support import wait_for
from tests.support import WRITE_HEADERS, running_app

_BACKLOG = re.compile(r"^mediamesh_search_embedding_backlog (\S+)$", re.MULTILINE)


async def _backlog(client: httpx.AsyncClient) -> float | None:
    response = await client.get("/metrics")
    assert response.status_code == 200
    found = _BACKLOG.search(response.text)
    return None if found is None else float(found.group(1))


async def test_the_gauge_counts_what_waits_for_a_vector(stack: Stack, unique: str) -> None:
    async with own_database(stack, unique) as url:
        settings = stack.settings(
            database_url=url,
            dynamodb_enabled=False,
            search_embedding_stats_interval_seconds=0.05,
            search_embedding_poll_seconds=0.1,
        )
        holder = await asyncpg.connect(url)  # another process's worker, as it were
        try:
            assert await repository.try_lead(holder)
            async with running_app(settings, "search") as app:
                runtime = app.state.search
                assert isinstance(runtime, SearchRuntime) and runtime.embeddings is not None
                transport = httpx.ASGITransport(app=app)
                async with httpx.AsyncClient(transport=transport, base_url="http://mm") as client:
                    docs = [
                        {
                            "contentId": f"{unique}-{n}",
                            "contentType": "PROGRAM",
                            "title": f"Film {n}",
                            "description": "A quiet film about the sea.",
                        }
                        for n in range(3)
                    ]
                    response = await client.post(
                        "/v1/search/index", json={"documents": docs}, headers=WRITE_HEADERS
                    )
                    assert response.status_code == 200, response.text

                    async def reads(value: float) -> bool:
                        return await _backlog(client) == value

                    await wait_for(lambda: reads(3), "the gauge reads 3")
                    assert not runtime.embeddings.leading
                    await holder.close()  # the holder stops: the app's worker takes over
                    await wait_for(lambda: reads(0), "the gauge reads 0")
                    assert runtime.embeddings.counters.stored == 3
        finally:
            await holder.close()


async def test_no_gauge_and_no_worker_when_semantic_search_is_off(
    stack: Stack, unique: str
) -> None:
    async with own_database(stack, unique) as url:
        settings = stack.settings(
            database_url=url, dynamodb_enabled=False, search_semantic_enabled=False
        )
        async with running_app(settings, "search") as app:
            runtime = app.state.search
            assert isinstance(runtime, SearchRuntime) and runtime.embeddings is None
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://mm") as client:
                assert await _backlog(client) is None
