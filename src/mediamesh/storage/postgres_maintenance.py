"""What periodic maintenance needs from PostgreSQL, whatever it maintains: a lock that lets
one process at a time do the work (the others skip their turn), reclaiming the space of
deleted rows, and the planner's statistics of tables that changed (autovacuum's job, where
autovacuum is off)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg

from mediamesh.errors import PostgresUnavailable
from mediamesh.storage.postgres_errors import translated_errors

# VACUUM reads the whole table the first time (no visibility map yet): allow it minutes
VACUUM_TIMEOUT_SECONDS = 600.0


@asynccontextmanager
async def try_session_lock(conn: asyncpg.Connection, key: int) -> AsyncIterator[bool]:
    """Try the session-level advisory lock `key` on `conn` without waiting; yields whether
    this session holds it, and releases it on exit (or closes the connection, when releasing
    fails). A lock held by a session that dies is released by PostgreSQL, so a crashed holder
    never blocks the next run."""
    with translated_errors(doing="taking the maintenance lock"):
        held = bool(await conn.fetchval("SELECT pg_try_advisory_lock($1)", key))
    try:
        yield held
    finally:
        if held and not conn.is_closed():
            try:
                with translated_errors(doing="releasing the maintenance lock"):
                    await conn.execute("SELECT pg_advisory_unlock($1)", key)
            except BaseException:
                # a pooled connection goes back as it is (storage/postgres.py): one that may
                # still hold the lock is closed instead, which releases it
                conn.terminate()
                raise


async def vacuum_analyze(conn: asyncpg.Connection, table: str) -> None:
    """VACUUM (ANALYZE) `table` (a trusted identifier, never user input), outside any
    transaction: makes the space of deleted rows reusable and refreshes the planner's
    statistics. Deployments may run without autovacuum (this machine does): without this,
    deleted rows would keep their space and the planner would plan for rows long gone."""
    await conn.execute(f"VACUUM (ANALYZE) {table}", timeout=VACUUM_TIMEOUT_SECONDS)


# autovacuum's rule for analysing a table, with its defaults (autovacuum_analyze_threshold,
# autovacuum_analyze_scale_factor): more rows changed since the last ANALYZE than this
ANALYZE_BASE_ROWS = 50
ANALYZE_SHARE = 0.1
# an ANALYZE that would queue behind a lock (a migration, a TRUNCATE) gives up instead of
# holding up everyone queued behind it; the next check tries again
ANALYZE_LOCK_TIMEOUT = "1s"
ANALYZE_TIMEOUT_SECONDS = 300.0

_STALE = """
SELECT s.relname FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
WHERE s.schemaname = current_schema() AND c.relkind = 'r'
  AND s.n_mod_since_analyze > $1 + $2 * greatest(c.reltuples, 0)
ORDER BY s.relname
"""


async def stale_statistics(conn: asyncpg.Connection) -> list[str]:
    """The tables of the current schema whose planner statistics autovacuum would refresh:
    more rows inserted, updated or deleted since their last ANALYZE than ANALYZE_BASE_ROWS
    plus ANALYZE_SHARE of the rows the planner knows of (none, if never analysed). A read of
    PostgreSQL's statistics (shared memory), cheap enough to repeat every few seconds; its
    counts lag the writes by up to a few seconds."""
    with translated_errors(doing="reading the table statistics"):
        rows = await conn.fetch(_STALE, ANALYZE_BASE_ROWS, ANALYZE_SHARE)
    return [row["relname"] for row in rows]


async def analyze(conn: asyncpg.Connection, table: str) -> None:
    """ANALYZE `table` (a name stale_statistics returned, never user input): it reads a
    sample of the rows and blocks no reads or writes. Raises PostgresUnavailable when a lock
    it needs stays held for ANALYZE_LOCK_TIMEOUT (a migration, a TRUNCATE: retry later)."""
    with translated_errors(doing=f"analyzing {table}"):
        try:
            async with conn.transaction():
                await conn.execute(
                    "SELECT set_config('lock_timeout', $1, true)", ANALYZE_LOCK_TIMEOUT
                )
                quoted = '"' + table.replace('"', '""') + '"'  # an identifier, quoted
                await conn.execute(f"ANALYZE {quoted}", timeout=ANALYZE_TIMEOUT_SECONDS)
        except asyncpg.LockNotAvailableError as exc:
            raise PostgresUnavailable(
                f"{table} stayed locked for {ANALYZE_LOCK_TIMEOUT} while analysing it; "
                "the next check retries"
            ) from exc
