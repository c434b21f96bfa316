"""Engagement events in PostgreSQL: raw rows, the view-dedup table and the rollups.

A batch is stored by `store` inside the caller's transaction, so the raw events and the
rollups commit together and the rollups always equal what the raw events say. Rows are
locked in one global order (dedup keys, then hourly, then daily, each sorted by key), so
concurrent batches queue behind each other instead of deadlocking.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time

import asyncpg

from mediamesh.discovery.events import Engagement, EventType, KnownPartitions, month_of
from mediamesh.discovery.ranking_repository import postgres_failures

# The smallint stored in engagement_events.event_type (see migration 0003).
CODES = {EventType.VIEW: 1, EventType.LIKE: 2, EventType.COMPLETE: 3}
_VIEW = CODES[EventType.VIEW]
_PARTITION_LOCK = 0x6D6D_6576  # "mmev": serialises partition creation between processes

_BATCH = (
    "unnest($1::bigint[], $2::smallint[], $3::timestamptz[], $4::text[])"
    " AS b(item_id, event_type, occurred_at, user_id)"
)
_HOURLY_ROWS = (
    "unnest($1::timestamptz[], $2::bigint[], $3::int[], $4::int[], $5::int[])"
    " AS s(bucket, item_id, views, likes, completes)"
)


def count_per_hour(source: str, into: str | None = None) -> str:
    """SQL that records first views in engagement_view_dedup and counts what the rollups
    count, per (UTC hour, item): every like and complete, every view without a userId, and a
    userId's view of an item only if it is the first of that hour. `source` yields
    (item_id, event_type, occurred_at, user_id); the counts are returned, or inserted `into`
    a table of (bucket, item_id, views, likes, completes)."""
    head = f"""
WITH batch AS (SELECT item_id, event_type, occurred_at, user_id FROM {source}),
first_views AS (
    INSERT INTO engagement_view_dedup (bucket, item_id, user_id)
    SELECT DISTINCT date_trunc('hour', occurred_at, 'UTC'), item_id, user_id
    FROM batch WHERE event_type = {_VIEW} AND user_id IS NOT NULL
    ORDER BY 1, 2, 3
    ON CONFLICT DO NOTHING
    RETURNING bucket, item_id
),
counted AS (
    SELECT date_trunc('hour', occurred_at, 'UTC') AS bucket, item_id, event_type FROM batch
    WHERE event_type <> {_VIEW} OR user_id IS NULL
    UNION ALL
    SELECT bucket, item_id, {_VIEW} FROM first_views
)
"""
    insert = f"INSERT INTO {into} (bucket, item_id, views, likes, completes)\n" if into else ""
    return f"""{head}{insert}
SELECT bucket, item_id,
       (count(*) FILTER (WHERE event_type = {_VIEW}))::int AS views,
       (count(*) FILTER (WHERE event_type = {CODES[EventType.LIKE]}))::int AS likes,
       (count(*) FILTER (WHERE event_type = {CODES[EventType.COMPLETE]}))::int AS completes
FROM counted GROUP BY bucket, item_id ORDER BY bucket, item_id
"""


def upsert_rollups(source: str) -> tuple[str, str]:
    """The hourly and the daily upsert from `source` rows (bucket, item_id, views, likes,
    completes), one per (bucket, item_id); run them in this order."""
    update = (
        "ON CONFLICT (bucket, item_id) DO UPDATE SET views = r.views + EXCLUDED.views, "
        "likes = r.likes + EXCLUDED.likes, completes = r.completes + EXCLUDED.completes"
    )
    hourly = f"""
INSERT INTO engagement_hourly AS r (bucket, item_id, views, likes, completes)
SELECT bucket, item_id, views, likes, completes FROM {source} ORDER BY bucket, item_id
{update}"""
    daily = f"""
INSERT INTO engagement_daily AS r (bucket, item_id, views, likes, completes)
SELECT (bucket AT TIME ZONE 'UTC')::date, item_id, sum(views), sum(likes), sum(completes)
FROM {source} GROUP BY 1, 2 ORDER BY 1, 2
{update}"""
    return hourly, daily


_INSERT_RAW = f"""
INSERT INTO engagement_events (item_id, event_type, occurred_at, user_id)
SELECT item_id, event_type, occurred_at, user_id FROM {_BATCH}
"""
_COUNT = count_per_hour(_BATCH)
_UPSERT_HOURLY, _UPSERT_DAILY = upsert_rollups(_HOURLY_ROWS)


async def item_ids(conn: asyncpg.Connection, content_ids: Iterable[str]) -> dict[str, int]:
    """contentId → item_id for the ids that exist and are not deleted."""
    with postgres_failures("looking up event items"):
        rows = await conn.fetch(
            "SELECT content_id, item_id FROM catalog_items "
            "WHERE content_id = ANY($1::text[]) AND status <> 'deleted'",
            list(set(content_ids)),
        )
    return {row["content_id"]: row["item_id"] for row in rows}


async def store(conn: asyncpg.Connection, events: Sequence[Engagement]) -> None:
    """Insert raw events and add them to the rollups; call inside a transaction."""
    batch = (
        [e.item_id for e in events],
        [CODES[e.type] for e in events],
        [e.occurred_at for e in events],
        [e.user_id for e in events],
    )
    with postgres_failures("storing engagement events"):
        await conn.execute(_INSERT_RAW, *batch)
        counts = await conn.fetch(_COUNT, *batch)
        if not counts:
            return
        columns = [[row[i] for row in counts] for i in range(5)]
        await conn.execute(_UPSERT_HOURLY, *columns)
        await conn.execute(_UPSERT_DAILY, *columns)


async def ensure_partitions(
    pool: asyncpg.Pool, known: KnownPartitions, times: Iterable[datetime]
) -> None:
    """Make sure the monthly raw-event partitions for `times` exist. DDL runs only for
    months this process has not confirmed yet, under an advisory lock so that two processes
    never create the same partition at once."""
    missing = known.missing({month_of(t) for t in times})
    if not missing:
        return
    first, last = min(missing), max(missing)
    with postgres_failures("creating event partitions"):
        async with pool.acquire() as conn, conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock($1)", _PARTITION_LOCK)
            await conn.execute(
                "SELECT mediamesh_ensure_event_partitions($1, $2)",
                _midnight(first),
                _midnight(last),
            )
    known.add(missing)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)
