"""The search query path reads on pools of its own (search/postgres/repository.py): kept
(generic) plans for a search without filters and for suggestions, plans for each run's
parameters for a search with filters; both scan tables from their first page. The
statements run on them need no type read from the catalog."""

from __future__ import annotations

import re
from typing import Any

import asyncpg
import httpx
import pytest

from mediamesh.search.postgres import repository as postgres_repository
from mediamesh.search.postgres import sql
from mediamesh.settings import Settings
from mediamesh.storage import postgres
from tests.search.search_api import search
from tests.support import api_client


def _opened(metrics: str, pool: str) -> float:
    found = re.search(rf"^mediamesh_postgres_{pool}_connections (\S+)$", metrics, re.M)
    assert found, f"no gauge for {pool}"
    return float(found.group(1))


async def _metrics(client: httpx.AsyncClient) -> str:
    return (await client.get("/metrics")).text


async def test_a_search_with_filters_reads_on_its_own_pool(films: Settings) -> None:
    async with api_client(films, "search") as client:
        before = await _metrics(client)
        assert _opened(before, "search_pool") == _opened(before, "search_filtered_pool") == 0
        plain = await search(client, q="godfather")
        after_plain = await _metrics(client)
        assert _opened(after_plain, "search_pool") == 1
        assert _opened(after_plain, "search_filtered_pool") == 0
        filtered = await search(client, q="godfather", category=plain["items"][0]["category"])
        after_filtered = await _metrics(client)
        assert _opened(after_filtered, "search_filtered_pool") == 1
    assert filtered["items"][0]["contentId"] == plain["items"][0]["contentId"]


@pytest.mark.parametrize(
    ("session", "plans"),
    [
        (postgres_repository.SESSION_SETTINGS, "force_generic_plan"),
        (postgres_repository.FILTERED_SESSION_SETTINGS, "force_custom_plan"),
    ],
)
async def test_the_pools_connections_have_their_settings(
    films: Settings, session: dict[str, str], plans: str
) -> None:
    pool = await postgres.create_pool(films.database_url, min_size=1, max_size=1, session=session)
    try:
        async with pool.acquire() as conn:
            assert await conn.fetchval("SHOW plan_cache_mode") == plans
            assert await conn.fetchval("SHOW synchronize_seqscans") == "off"
            assert await conn.fetchval("SHOW jit") == "off"
            assert await conn.fetchval("SHOW max_parallel_workers_per_gather") == "0"
    finally:
        await pool.close()


async def test_the_search_statements_read_no_type_from_the_catalog(
    films: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """asyncpg reads a type it has no codec of its own for (float8[] is one) from the catalog
    the first time a connection uses it, with a recursive query that the search connections
    plan generically: 15-42 ms of the first hybrid search on each connection at 1M documents.
    The hybrid statements take their numbers as text[] (repository.float_texts), and the
    filters' shares come as text[] too (sql.FILTER_SHARES)."""
    read: list[object] = []
    introspect = asyncpg.Connection._introspect_types

    async def recorded(self: asyncpg.Connection, *args: Any, **kwargs: Any) -> Any:
        read.append(args[0] if args else kwargs)
        return await introspect(self, *args, **kwargs)

    monkeypatch.setattr(asyncpg.Connection, "_introspect_types", recorded)
    conn = await asyncpg.connect(
        films.database_url, server_settings=postgres_repository.SESSION_SETTINGS
    )
    try:
        statements = [
            value
            for name, value in vars(sql).items()
            if name.isupper() and not name.startswith("_") and isinstance(value, str)
        ]
        assert sql.HYBRID in statements and sql.RELAXED in statements
        for statement in statements:
            if "$1" in statement:
                await conn.prepare(statement)
    finally:
        await conn.close()
    assert read == []
