"""PostgreSQL connections (asyncpg) and the conversion of its errors into ours
(postgres_errors: every failure to reach PostgreSQL is PostgresUnavailable).

asyncpg is used for the hot path: a binary-protocol driver with prepared-statement caching
and a built-in pool, measurably faster than the alternatives for small, frequent queries.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from mediamesh.storage.postgres_errors import TranslatingPool, translated_errors

__all__ = [
    "connect",
    "create_pool",
    "drop_database",
    "ensure_database",
    "translated_errors",
]

CONNECT_TIMEOUT_SECONDS = 5.0
COMMAND_TIMEOUT_SECONDS = 30.0


async def _keep_session(conn: asyncpg.Connection) -> None:
    """What a connection goes through when it returns to the pool, besides asyncpg's own
    rollback of a transaction left open: nothing. asyncpg's default also runs a reset query
    (RESET ALL, UNLISTEN *, CLOSE ALL, unlock all advisory locks), one more round trip per
    request; no code here leaves such state on a pooled connection: session locks are
    released by whoever took them (postgres_maintenance.try_session_lock), and LISTEN, the
    embedding worker's lock and session settings live on connections of their own."""


async def create_pool(
    url: str,
    min_size: int = 1,
    max_size: int = 10,
    *,
    session: Mapping[str, str] | None = None,
) -> asyncpg.Pool:
    """A pool whose every connection failure is PostgresUnavailable (TranslatingPool).
    Built like asyncpg.create_pool builds its own, with the same defaults, but for the reset
    on release (_keep_session); `session`: settings of each of its connections (SET)."""
    with translated_errors(url):
        pool: asyncpg.Pool = await TranslatingPool(
            url,
            min_size=min_size,
            max_size=max_size,
            max_queries=50_000,
            max_inactive_connection_lifetime=300.0,
            loop=None,
            connection_class=asyncpg.Connection,
            record_class=asyncpg.Record,
            timeout=CONNECT_TIMEOUT_SECONDS,
            command_timeout=COMMAND_TIMEOUT_SECONDS,
            server_settings=dict(session or {}),
            reset=_keep_session,
        )
        return pool


@asynccontextmanager
async def connect(url: str) -> AsyncIterator[asyncpg.Connection]:
    """One connection, for the CLI and migrations."""
    with translated_errors(url):
        conn = await asyncpg.connect(url, timeout=CONNECT_TIMEOUT_SECONDS)
    try:
        yield conn
    finally:
        await conn.close()


async def ensure_database(url: str) -> bool:
    """Create the database named in `url` if it does not exist; returns whether it did."""
    parts = urlsplit(url)
    name = parts.path.lstrip("/") or "postgres"
    maintenance = urlunsplit(parts._replace(path="/postgres"))
    async with connect(maintenance) as conn:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if exists:
            return False
        try:
            await conn.execute(f'CREATE DATABASE "{name.replace(chr(34), chr(34) * 2)}"')
        except asyncpg.DuplicateDatabaseError:
            return False  # created concurrently
    return True


async def drop_database(url: str) -> None:
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    maintenance = urlunsplit(parts._replace(path="/postgres"))
    async with connect(maintenance) as conn:
        await conn.execute(
            f'DROP DATABASE IF EXISTS "{name.replace(chr(34), chr(34) * 2)}" WITH (FORCE)'
        )
