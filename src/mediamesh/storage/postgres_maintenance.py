"""What periodic maintenance needs from PostgreSQL, whatever it maintains: a lock that lets
one process at a time do the work (the others skip their turn), and reclaiming the space
of deleted rows."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg

from mediamesh.storage.postgres_errors import translated_errors

# VACUUM reads the whole table the first time (no visibility map yet): allow it minutes
VACUUM_TIMEOUT_SECONDS = 600.0


@asynccontextmanager
async def try_session_lock(conn: asyncpg.Connection, key: int) -> AsyncIterator[bool]:
    """Try the session-level advisory lock `key` on `conn` without waiting; yields whether
    this session holds it, and releases it on exit. A lock held by a session that dies is
    released by PostgreSQL, so a crashed holder never blocks the next run."""
    with translated_errors(doing="taking the maintenance lock"):
        held = bool(await conn.fetchval("SELECT pg_try_advisory_lock($1)", key))
    try:
        yield held
    finally:
        if held and not conn.is_closed():
            with translated_errors(doing="releasing the maintenance lock"):
                await conn.execute("SELECT pg_advisory_unlock($1)", key)


async def vacuum_analyze(conn: asyncpg.Connection, table: str) -> None:
    """VACUUM (ANALYZE) `table` (a trusted identifier, never user input), outside any
    transaction: makes the space of deleted rows reusable and refreshes the planner's
    statistics. Deployments may run without autovacuum (this machine does): without this,
    deleted rows would keep their space and the planner would plan for rows long gone."""
    await conn.execute(f"VACUUM (ANALYZE) {table}", timeout=VACUUM_TIMEOUT_SECONDS)
