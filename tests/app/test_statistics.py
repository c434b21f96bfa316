"""The planner's statistics on the real PostgreSQL (app/statistics.py, with autovacuum off on
this machine, and on in CI perhaps: every assertion holds either way): autovacuum's rule
for which tables are stale, and a bulk load through the API analysed by the server within
a deadline."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import asyncpg
import pytest

from mediamesh.app import statistics
from mediamesh.settings import Settings
from mediamesh.storage import postgres
from mediamesh.storage.migrations import migrate
from mediamesh.storage.postgres_maintenance import analyze, stale_statistics
from tests.conftest import Stack
from tests.support import WRITE_HEADERS, api_client

DEADLINE_SECONDS = 60.0  # PostgreSQL counts a write within seconds of its commit


@pytest.fixture
async def settings(stack: Stack, unique: str) -> AsyncIterator[Settings]:
    """A database of this test's own: what is stale depends on every write to it."""
    url = stack.database_url.rsplit("/", 1)[0] + f"/mm_statistics_{unique}"
    await postgres.ensure_database(url)
    async with postgres.connect(url) as conn:
        await migrate(conn)
        await conn.execute("ANALYZE")  # whatever the migrations wrote: nothing is stale
    yield stack.settings(
        database_url=url,
        dynamodb_enabled=False,
        statistics_interval_seconds=0.2,
        maintenance_interval_seconds=0,  # its step analyses too: prove the server's check does
        search_semantic_enabled=False,  # no embedding work in the background
    )
    await postgres.drop_database(url)


@pytest.fixture
async def conn(settings: Settings) -> AsyncIterator[asyncpg.Connection]:
    connection = await asyncpg.connect(settings.database_url)
    yield connection
    await connection.close()


async def add_programs(settings: Settings, first: int, count: int) -> None:
    """`count` rows into catalog_items, on a connection closed at once (its counts reach
    PostgreSQL's statistics when the session ends)."""
    writer = await asyncpg.connect(settings.database_url)
    try:
        await writer.execute(
            "INSERT INTO catalog_items (content_id, content_type, title)"
            " SELECT 'p' || n, 'PROGRAM', 'title ' || n FROM generate_series($1::int, $2) n",
            first,
            first + count - 1,
        )
    finally:
        await writer.close()


async def counted_changes(conn: asyncpg.Connection, changes: int) -> None:
    """Wait until the statistics count `changes` rows of catalog_items since its ANALYZE."""
    deadline = time.monotonic() + DEADLINE_SECONDS
    while True:
        await conn.execute("SELECT pg_stat_clear_snapshot()")
        seen = await conn.fetchval(
            "SELECT n_mod_since_analyze FROM pg_stat_user_tables WHERE relname = 'catalog_items'"
        )
        if seen == changes:
            return
        assert time.monotonic() < deadline, f"{seen} changes counted, not {changes}"
        await asyncio.sleep(0.1)


async def test_a_table_is_stale_past_50_rows_plus_a_tenth_of_it(
    settings: Settings, conn: asyncpg.Connection
) -> None:
    await add_programs(settings, 1, 50)
    await counted_changes(conn, 50)
    assert "catalog_items" not in await stale_statistics(conn)  # 50 is not more than 50 + 0

    await add_programs(settings, 51, 10)
    await counted_changes(conn, 60)
    assert "catalog_items" in await stale_statistics(conn)

    await analyze(conn, "catalog_items")
    assert "catalog_items" not in await stale_statistics(conn)
    assert (
        await conn.fetchval("SELECT reltuples FROM pg_class WHERE relname = 'catalog_items'") == 60
    )

    await add_programs(settings, 61, 56)  # 50 + 10% of 60 = 56: not more
    await counted_changes(conn, 56)
    assert "catalog_items" not in await stale_statistics(conn)


async def test_maintain_analyses_the_stale_tables(
    settings: Settings, conn: asyncpg.Connection
) -> None:
    await add_programs(settings, 1, 100)
    await counted_changes(conn, 100)
    assert await statistics.analyze_stale(conn, settings, datetime.now(UTC)) >= 1
    assert "catalog_items" not in await stale_statistics(conn)


async def test_a_bulk_load_through_the_api_leaves_the_planner_with_statistics(
    settings: Settings, conn: asyncpg.Connection
) -> None:
    """Items written in batches through POST /v1/catalog/items: the server analyses the
    catalog and the search documents soon after, with no ANALYZE from anyone else."""
    batches, size = 4, 250
    async with api_client(settings) as client:
        for batch in range(batches):
            items = [
                {"contentId": f"film-{batch}-{n}", "contentType": "PROGRAM", "title": f"Film {n}"}
                for n in range(size)
            ]
            response = await client.post(
                "/v1/catalog/items", json={"items": items}, headers=WRITE_HEADERS
            )
            assert response.status_code == 200, response.text

        deadline = time.monotonic() + DEADLINE_SECONDS
        while True:
            rows = await conn.fetch(
                "SELECT c.relname, c.reltuples, s.last_analyze IS NOT NULL AS analysed"
                " FROM pg_class c JOIN pg_stat_user_tables s ON s.relid = c.oid"
                " WHERE c.relname IN ('catalog_items', 'search_documents')"
            )
            if all(row["analysed"] and row["reltuples"] == batches * size for row in rows):
                break
            assert time.monotonic() < deadline, f"not analysed in time: {rows}"
            await asyncio.sleep(0.2)
            await conn.execute("SELECT pg_stat_clear_snapshot()")
    assert len(rows) == 2
