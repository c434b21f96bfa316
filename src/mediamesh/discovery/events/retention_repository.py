"""Deleting engagement data no list can read any more: whole raw-event partitions, old
view-dedup rows and old rollup rows (the policy, which rows are old, is in retention.py).

Raw events go a month at a time with DROP TABLE (no dead rows, no VACUUM). That takes an
ACCESS EXCLUSIVE lock on engagement_events for a moment, so it waits at most
DDL_LOCK_TIMEOUT for it: a drop stuck behind a long query would otherwise hold up every
ingestion statement queued behind it. Rows are deleted in batches, each its own short
transaction, so a first run on a year of data never holds one huge transaction.
"""

from __future__ import annotations

from datetime import date, datetime

import asyncpg

from mediamesh.discovery.events.repository import PARTITION_LOCK
from mediamesh.errors import PostgresUnavailable
from mediamesh.storage.postgres_errors import translated_errors
from mediamesh.storage.postgres_maintenance import vacuum_analyze

DDL_LOCK_TIMEOUT = "2s"
DELETE_BATCH = 20_000

# Each partition with the upper end of its range (NULL for the default partition); the
# bound's text is rendered in this session's time zone, so casting it back is exact.
_PARTITIONS = r"""
SELECT c.oid::regclass::text AS name,
       (regexp_match(pg_get_expr(c.relpartbound, c.oid), 'TO \(''([^'']+)''\)'))[1]::timestamptz
           AS upper
FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
WHERE i.inhparent = 'engagement_events'::regclass
ORDER BY upper
"""

# Batched delete: one statement per batch; the row ids come from a range scan of the
# primary key (every table here leads with `bucket`).
_DELETE = """
DELETE FROM {table} WHERE ctid = ANY(ARRAY(
    SELECT ctid FROM {table} WHERE {column} < $1 LIMIT {batch}))
"""


async def drop_partitions_before(conn: asyncpg.Connection, before: datetime) -> list[str]:
    """Drop every raw-event partition whose whole range ends at or before `before`; returns
    their names. Events in the default partition (none, unless a month had no partition)
    older than `before` are deleted too. Raises PostgresUnavailable, naming what was
    dropped so far, when the table stays locked longer than DDL_LOCK_TIMEOUT."""
    dropped: list[str] = []
    with translated_errors(doing="dropping old event partitions"):
        rows = await conn.fetch(_PARTITIONS)
        for row in rows:
            if row["upper"] is None or row["upper"] > before:
                continue
            try:
                async with conn.transaction():
                    await conn.execute(
                        "SELECT set_config('lock_timeout', $1, true)", DDL_LOCK_TIMEOUT
                    )
                    await conn.execute("SELECT pg_advisory_xact_lock($1)", PARTITION_LOCK)
                    await conn.execute(f"DROP TABLE {row['name']}")
            except asyncpg.LockNotAvailableError as exc:
                raise PostgresUnavailable(
                    f"engagement_events stayed locked for {DDL_LOCK_TIMEOUT} while dropping "
                    f"{row['name']} (dropped so far: {dropped or 'none'}); the next run retries"
                ) from exc
            dropped.append(row["name"])
        if await _delete_before(conn, "engagement_events_default", "occurred_at", before):
            await vacuum_analyze(conn, "engagement_events_default")
    return dropped


async def delete_view_dedup_before(conn: asyncpg.Connection, before: datetime) -> int:
    """Delete the view-dedup rows of hours starting before `before`; returns how many."""
    with translated_errors(doing="deleting old view-dedup rows"):
        deleted = await _delete_before(conn, "engagement_view_dedup", "bucket", before)
        if deleted:
            await vacuum_analyze(conn, "engagement_view_dedup")
    return deleted


async def delete_rollups_before(conn: asyncpg.Connection, hour: datetime, day: date) -> int:
    """Delete hourly rollups of hours before `hour` and daily rollups of days before `day`;
    returns how many rows."""
    deleted = 0
    with translated_errors(doing="deleting old rollups"):
        for table, before in (("engagement_hourly", hour), ("engagement_daily", day)):
            rows = await _delete_before(conn, table, "bucket", before)
            if rows:
                await vacuum_analyze(conn, table)
            deleted += rows
    return deleted


async def partition_count(conn: asyncpg.Connection) -> int:
    """How many partitions engagement_events has (the default one included)."""
    with translated_errors(doing="counting event partitions"):
        value = await conn.fetchval(
            "SELECT count(*) FROM pg_inherits WHERE inhparent = 'engagement_events'::regclass"
        )
    return int(value)


async def _delete_before(
    conn: asyncpg.Connection, table: str, column: str, before: datetime | date
) -> int:
    statement = _DELETE.format(table=table, column=column, batch=DELETE_BATCH)
    deleted = 0
    while True:
        status = await conn.execute(statement, before)
        rows = int(status.split()[-1])  # "DELETE n"
        deleted += rows
        if rows < DELETE_BATCH:
            return deleted
