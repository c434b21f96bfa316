"""Every way of losing PostgreSQL becomes PostgresUnavailable at the pool
(storage/postgres_errors.py), against the real server behind a FaultProxy; statement errors
pass through unchanged."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import pytest

from mediamesh.errors import PostgresUnavailable
from mediamesh.storage import postgres
from tests.conftest import Stack
from tests.resilience.fault_proxy import FaultProxy
from tests.resilience.proxies import target, through


@pytest.fixture
async def proxied(stack: Stack) -> AsyncIterator[tuple[FaultProxy, asyncpg.Pool]]:
    proxy = FaultProxy(*target(stack.database_url)).start()
    pool = await postgres.create_pool(through(stack.database_url, proxy), min_size=0, max_size=2)
    yield proxy, pool
    proxy.set_mode("pass")
    await pool.close()
    proxy.stop()


async def test_refused_at_acquire_in_every_form(proxied: tuple[FaultProxy, asyncpg.Pool]) -> None:
    proxy, pool = proxied
    assert await pool.fetchval("SELECT 1") == 1
    proxy.set_mode("refuse")
    with pytest.raises(PostgresUnavailable):
        async with pool.acquire() as conn:
            await conn.fetchval("SELECT 1")
    with pytest.raises(PostgresUnavailable):
        await pool.fetchval("SELECT 1")
    with pytest.raises(PostgresUnavailable):
        await pool.acquire()
    proxy.set_mode("pass")
    assert await pool.fetchval("SELECT 2") == 2


async def test_reset_mid_query_inside_a_transaction(
    proxied: tuple[FaultProxy, asyncpg.Pool],
) -> None:
    proxy, pool = proxied

    async def long_write() -> None:
        async with pool.acquire() as conn, conn.transaction():
            await conn.execute("SELECT pg_sleep(5)")

    running = asyncio.create_task(long_write())
    await asyncio.sleep(0.3)  # the statement is under way
    proxy.set_mode("refuse")
    with pytest.raises(PostgresUnavailable) as caught:
        await running
    assert caught.value.code == "postgres_unavailable"


async def test_hanging_server_with_an_acquire_timeout(
    proxied: tuple[FaultProxy, asyncpg.Pool],
) -> None:
    proxy, pool = proxied
    proxy.set_mode("hang")
    with pytest.raises(PostgresUnavailable, match="TimeoutError"):
        async with pool.acquire(timeout=0.3) as conn:
            await conn.fetchval("SELECT 1")


async def test_statement_errors_are_no_outage(proxied: tuple[FaultProxy, asyncpg.Pool]) -> None:
    _, pool = proxied
    with pytest.raises(asyncpg.DivisionByZeroError):
        async with pool.acquire() as conn:
            await conn.fetchval("SELECT 1 / 0")
    with pytest.raises(asyncpg.UndefinedTableError):
        await pool.fetch("SELECT * FROM no_such_table")
    assert await pool.fetchval("SELECT 3") == 3
