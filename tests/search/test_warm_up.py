"""A starting search server runs each kind of search statement once on
SEARCH_WARM_UP_CONNECTIONS connections of both query pools, in the background
(search/warmup.py); without PostgreSQL it starts all the same."""

from __future__ import annotations

import asyncio
import logging
from contextlib import AsyncExitStack

import asyncpg
import pytest
from fastapi import FastAPI

from mediamesh.search.postgres import sql
from mediamesh.search.runtime import SearchRuntime
from mediamesh.settings import Settings
from tests.conftest import Stack
from tests.support import running_app


async def _warm_up_ended(deadline_seconds: float = 60.0) -> None:
    """Until no task named search-warm-up runs (a finished task leaves asyncio.all_tasks)."""
    async with asyncio.timeout(deadline_seconds):
        while any(task.get_name() == "search-warm-up" for task in asyncio.all_tasks()):
            await asyncio.sleep(0.05)


async def _prepared_on_each(pool: asyncpg.Pool, connections: int) -> list[set[str]]:
    """The statements prepared on each of the pool's `connections` connections (held
    together, so each is a different one)."""
    async with AsyncExitStack() as held:
        conns = [await held.enter_async_context(pool.acquire()) for _ in range(connections)]
        return [
            {
                row["statement"]
                for row in await conn.fetch("SELECT statement FROM pg_prepared_statements")
            }
            for conn in conns
        ]


def _pools(app: FastAPI) -> tuple[asyncpg.Pool, asyncpg.Pool]:
    runtime: SearchRuntime = app.state.search
    plain, filtered = runtime.stores.query_pool, runtime.stores.filtered_query_pool
    assert plain is not None and filtered is not None
    return plain, filtered


async def test_each_statement_kind_runs_on_every_warmed_connection(
    films: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="mediamesh.search.warmup")
    settings = films.model_copy(update={"search_warm_up_connections": 2})
    async with running_app(settings, "search") as app:
        await _warm_up_ended()
        plain, filtered = _pools(app)
        assert plain.get_size() == filtered.get_size() == 2
        hybrid = {sql.HYBRID, sql.HYBRID_NARROW}
        for prepared in await _prepared_on_each(plain, 2):
            assert {sql.BUILD_SEARCH, sql.BROWSE, sql.SUGGEST} <= prepared
            assert prepared & hybrid, "no description was answered on this connection"
        for prepared in await _prepared_on_each(filtered, 2):
            assert sql.BUILD_SEARCH in prepared
            assert prepared & hybrid
    assert any("search warmed up" in r.getMessage() for r in caplog.records)


async def test_without_warm_up_no_connection_opens_at_start(films: Settings) -> None:
    async with running_app(films, "search") as app:
        await _warm_up_ended()
        plain, filtered = _pools(app)
        assert plain.get_size() == filtered.get_size() == 0


async def test_an_unreachable_postgres_leaves_the_server_cold_not_stopped(
    stack: Stack, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="mediamesh.search.warmup")
    settings = stack.settings(
        database_url="postgresql://postgres@127.0.0.1:1/nowhere",
        dynamodb_enabled=False,
        search_warm_up_connections=2,
    )
    async with running_app(settings, "search"):
        await _warm_up_ended()
    assert any("search not warmed up" in r.getMessage() for r in caplog.records)
