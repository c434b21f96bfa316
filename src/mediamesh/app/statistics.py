"""The planner's statistics kept fresh by every server, where autovacuum may be off (this
machine runs without it): after 36k films were loaded through the catalog API, searches were
planned for an empty table and ran 4x slower until someone ran ANALYZE.

Every STATISTICS_INTERVAL_SECONDS a server asks PostgreSQL, on a pooled connection, which
tables changed past autovacuum's threshold (`stale_statistics`: a read of its statistics in
shared memory, so a check costs about a millisecond when nothing changed) and, if any did,
analyses them on a connection of its own under an advisory lock: one process at a time, the
others skip their turn. Writes never wait for it (ANALYZE blocks no reads or writes), and a
write's counts reach the statistics a few seconds after it commits. `mediamesh maintain`
runs the same step (`analyze_stale`); `mediamesh load` analyses what it filled itself.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime

import asyncpg

from mediamesh.errors import MediaMeshError
from mediamesh.search.postgres import relaxed
from mediamesh.settings import Settings
from mediamesh.storage import postgres
from mediamesh.storage.postgres_maintenance import analyze, stale_statistics, try_session_lock

log = logging.getLogger(__name__)

LOCK_KEY = 0x6D6D_7374  # "mmst": one process at a time analyses a database
SHUTDOWN_GRACE_SECONDS = 2.0


async def analyze_stale(conn: asyncpg.Connection, settings: Settings, now: datetime) -> int:
    """ANALYZE every table past autovacuum's threshold, unless a server is analysing this
    database; returns how many (a maintenance step). Raises PostgresUnavailable."""
    async with try_session_lock(conn, LOCK_KEY) as held:
        return len(await _analyze_stale(conn)) if held else 0


async def refresh(settings: Settings, pool: asyncpg.Pool) -> list[str]:
    """Analyse the tables past the threshold, unless another process is analysing this
    database; returns the tables analysed. Raises PostgresUnavailable."""
    async with pool.acquire() as conn:
        if not await stale_statistics(conn):
            return []
    async with (
        postgres.connect(settings.database_url) as conn,
        try_session_lock(conn, LOCK_KEY) as held,
    ):
        # read again under the lock: its last holder may have just analysed them
        return await _analyze_stale(conn) if held else []


async def _analyze_stale(conn: asyncpg.Connection) -> list[str]:
    stale = await stale_statistics(conn)
    for table in stale:
        await analyze(conn, table)
    if "search_documents" in stale:
        # the documents changed as much: so did how many of them have each word
        await relaxed.refresh_terms(conn)
    return stale


@asynccontextmanager
async def kept_fresh(settings: Settings, pool: asyncpg.Pool) -> AsyncIterator[None]:
    """Check the statistics every STATISTICS_INTERVAL_SECONDS while the app is up (never
    when it is 0), checking on `pool` and analysing on a connection of its own."""
    interval = settings.statistics_interval_seconds
    if not interval:
        yield
        return
    worker = asyncio.create_task(_every(settings, pool, interval), name="statistics")
    try:
        yield
    finally:
        worker.cancel()
        await asyncio.wait({worker}, timeout=SHUTDOWN_GRACE_SECONDS)


async def _every(settings: Settings, pool: asyncpg.Pool, interval: float) -> None:
    while True:
        await asyncio.sleep(interval)
        try:
            if analysed := await refresh(settings, pool):
                log.info("statistics: analysed %s", ", ".join(analysed))
        except MediaMeshError as exc:  # PostgreSQL down, a table locked: the next check
            log.warning("statistics: %s; the next check is in %.0f s", exc.message, interval)
        except Exception:  # a background loop must outlive any one failure
            log.exception("statistics check failed; the next one is in %.0f s", interval)
