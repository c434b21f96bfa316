"""Engagement events in PostgreSQL: the inbox, raw rows, the view-dedup table and the rollups.

Two steps (docs/RANKING.md, "Ingestion"):
- `append`: a request's batch is checked and appended to engagement_inbox in one statement;
  once it commits the events are durable and the request is answered.
- `fold`: the single writer (aggregator.py, under FOLD_LOCK) moves inbox rows into the raw
  table, the view dedup and the rollups in one statement, `DELETE ... RETURNING` feeding the
  inserts: the rows it deletes are exactly the rows it counts, in the same transaction, so
  every event is counted once whatever crashes, and a row committed after the fold began is
  simply left for the next one. Rows are locked in one global order (dedup keys, then
  hourly, then daily, each sorted by key), so a fold and a simulation chunk queue instead of
  deadlocking.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

import asyncpg

from mediamesh.discovery.events.models import EventType, KnownPartitions, months_between
from mediamesh.discovery.ranking import window_totals
from mediamesh.errors import PostgresUnavailable
from mediamesh.storage.postgres_errors import translated_errors

# The smallint stored in engagement_events.event_type (see migration 0003).
CODES = {EventType.VIEW: 1, EventType.LIKE: 2, EventType.COMPLETE: 3}
_VIEW = CODES[EventType.VIEW]
PARTITION_LOCK = 0x6D6D_6576  # "mmev": serialises partition DDL between processes


def _counted(batch: str) -> str:
    """WITH clauses over `batch` (item_id, event_type, occurred_at, user_id): `first_views`
    records first views in engagement_view_dedup, `counted` lists what the rollups count."""
    return f"""
first_views AS (
    INSERT INTO engagement_view_dedup (bucket, item_id, user_id)
    SELECT DISTINCT date_trunc('hour', occurred_at, 'UTC'), item_id, user_id
    FROM {batch} WHERE event_type = {_VIEW} AND user_id IS NOT NULL
    ORDER BY 1, 2, 3
    ON CONFLICT DO NOTHING
    RETURNING bucket, item_id
),
counted AS (
    SELECT date_trunc('hour', occurred_at, 'UTC') AS bucket, item_id, event_type FROM {batch}
    WHERE event_type <> {_VIEW} OR user_id IS NULL
    UNION ALL
    SELECT bucket, item_id, {_VIEW} FROM first_views
)"""


_PER_HOUR = f"""
SELECT bucket, item_id,
       (count(*) FILTER (WHERE event_type = {_VIEW}))::int AS views,
       (count(*) FILTER (WHERE event_type = {CODES[EventType.LIKE]}))::int AS likes,
       (count(*) FILTER (WHERE event_type = {CODES[EventType.COMPLETE]}))::int AS completes
FROM counted GROUP BY bucket, item_id ORDER BY bucket, item_id
"""


def count_per_hour(source: str, into: str | None = None) -> str:
    """SQL that records first views in engagement_view_dedup and counts what the rollups
    count, per (UTC hour, item): every like and complete, every view without a userId, and a
    userId's view of an item only if it is the first of that hour. `source` yields
    (item_id, event_type, occurred_at, user_id); the counts are returned, or inserted `into`
    a table of (bucket, item_id, views, likes, completes)."""
    head = f"""
WITH batch AS (SELECT item_id, event_type, occurred_at, user_id FROM {source}),{_counted("batch")}
"""
    insert = f"INSERT INTO {into} (bucket, item_id, views, likes, completes)\n" if into else ""
    return f"{head}{insert}{_PER_HOUR}"


def upsert_rollups(source: str) -> tuple[str, str, str]:
    """The hourly and the daily upsert from `source` rows (bucket, item_id, views, likes,
    completes), one per (bucket, item_id), and the popular window totals' share of them
    (ranking/window_totals.py); run them in this order, after window_totals.SHARE_LOCK."""
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
    return hourly, daily, window_totals.add_rows(source)


_UPSERT_HOURLY, _UPSERT_DAILY, _ADD_TOTALS = upsert_rollups("hours")

# Batches as JSON text (request bodies as they came, on the fast path), each with its own
# clock: resolve the contentIds (each once, by the primary key), check every event (a known,
# not deleted item; a type; occurredAt, default its batch's $2, within its batch's [$3, $4])
# and append the events of the batches whose events all pass to the inbox. The JSON is read
# by PostgreSQL: sending the events as typed arrays instead made asyncpg's encoding cost the
# server ~8 ms of CPU per 1,000 events, against ~3 ms more for PostgreSQL to read the JSON.
_APPEND = f"""
WITH events AS (
    SELECT b.batch, b.now, b.oldest, b.newest, e.*
    FROM unnest($1::jsonb[], $2::timestamptz[], $3::timestamptz[], $4::timestamptz[])
             WITH ORDINALITY AS b(body, now, oldest, newest, batch),
         jsonb_to_recordset(b.body -> 'events')
             AS e("contentId" text, type text, "occurredAt" timestamptz, "userId" text)
),
items AS MATERIALIZED (  -- hashed once: not a probe per event, nor a scan of the catalog
    SELECT content_id, item_id FROM catalog_items
    WHERE content_id = ANY(ARRAY(SELECT DISTINCT "contentId" FROM events))
      AND status <> 'deleted'
),
parsed AS (
    SELECT e.batch, i.item_id,
           CASE e.type WHEN 'view' THEN {_VIEW} WHEN 'like' THEN {CODES[EventType.LIKE]}
                       WHEN 'complete' THEN {CODES[EventType.COMPLETE]} END AS event_type,
           coalesce(e."occurredAt", e.now) AS occurred_at, e."userId" AS user_id,
           e.oldest, e.newest
    FROM events e LEFT JOIN items i ON i.content_id = e."contentId"
),
verdicts AS (
    SELECT batch, count(*) AS events,
           bool_and(item_id IS NOT NULL AND event_type IS NOT NULL
                    AND occurred_at BETWEEN oldest AND newest) AS passed
    FROM parsed GROUP BY batch
),
appended AS (
    INSERT INTO engagement_inbox (item_id, event_type, occurred_at, user_id)
    SELECT item_id, event_type, occurred_at, user_id FROM parsed
    WHERE batch IN (SELECT batch FROM verdicts WHERE passed)
)
SELECT batch, events, passed FROM verdicts
"""

# One fold: up to $1 inbox rows (any $1 of those committed: the order does not matter, every
# row is counted by the fold that deletes it) moved into the raw table, first views recorded,
# counted per (hour, item) and upserted. PostgreSQL completes the writing WITH clauses that
# the final SELECT does not read from the last to the first: `hourly` (which reads the dedup
# insert through `hours`), then `daily`, then the window `totals`.
_FOLD = f"""
WITH moved AS (
    DELETE FROM engagement_inbox
    WHERE ctid = ANY(ARRAY(SELECT ctid FROM engagement_inbox LIMIT $1))
    RETURNING item_id, event_type, occurred_at, user_id, received_at
),
raw AS (
    INSERT INTO engagement_events (item_id, event_type, occurred_at, user_id, received_at)
    SELECT item_id, event_type, occurred_at, user_id, received_at FROM moved
),{_counted("moved")},
hours AS ({_PER_HOUR}),
totals AS ({_ADD_TOTALS}),
daily AS ({_UPSERT_DAILY}),
hourly AS ({_UPSERT_HOURLY})
SELECT count(*) FROM moved
"""
FOLD_LOCK = 0x6D6D_666F  # "mmfo": one fold at a time per database
FOLD_WORK_MEM = "32MB"


@dataclass(frozen=True)
class Batch:
    """Events as JSON text, {"events": [{contentId, type, occurredAt?, userId?}, ...]}, and
    the clock they are checked against: occurredAt defaults to `now` and must be within
    [`oldest`, `newest`]."""

    events_json: str
    now: datetime
    oldest: datetime
    newest: datetime


async def item_ids(conn: asyncpg.Connection, content_ids: Iterable[str]) -> dict[str, int]:
    """contentId → item_id for the ids that exist and are not deleted."""
    with translated_errors(doing="looking up event items"):
        rows = await conn.fetch(
            "SELECT content_id, item_id FROM catalog_items "
            "WHERE content_id = ANY($1::text[]) AND status <> 'deleted'",
            list(set(content_ids)),
        )
    return {row["content_id"]: row["item_id"] for row in rows}


async def append(pool: asyncpg.Pool, batches: Sequence[Batch]) -> list[int | None]:
    """Append the events of the batches whose events all pass to the inbox, in one statement
    (one transaction); returns, per batch, how many events it stored, once committed (they
    are durable then, and counted by the lists once folded), or None for a batch stored not
    at all: an unknown or deleted contentId, a bad type or an occurredAt outside its window,
    or a value PostgreSQL cannot read (e.g. 30 February). Raises PostgresUnavailable.
    """
    columns = (
        [b.events_json for b in batches],
        [b.now for b in batches],
        [b.oldest for b in batches],
        [b.newest for b in batches],
    )
    with translated_errors(doing="storing engagement events"):
        try:
            async with pool.acquire() as conn:
                rows = await conn.fetch(_APPEND, *columns)
        except asyncpg.DataError:
            if len(batches) == 1:
                return [None]
            # find the unreadable one(s): the others are stored on their own
            return [(await append(pool, [batch]))[0] for batch in batches]
    stored = {row["batch"]: int(row["events"]) for row in rows if row["passed"]}
    return [stored.get(number) for number in range(1, len(batches) + 1)]


async def fold(conn: asyncpg.Connection, rows: int, *, wait: bool) -> int | None:
    """Fold up to `rows` committed inbox rows into the raw table, the view dedup and the
    rollups, in one transaction under FOLD_LOCK; returns how many were folded, or None
    (nothing done) when another session holds the lock and `wait` is False. With `wait`,
    it waits for the holder's fold to commit, so every row committed before the call is
    folded by one or the other. Raises PostgresUnavailable."""
    with translated_errors(doing="folding engagement events"):
        async with conn.transaction():
            # memory to sort a fold's rows in (with the default 4 MB they spilled to disk)
            await conn.execute("SELECT set_config('work_mem', $1, true)", FOLD_WORK_MEM)
            if wait:
                await conn.execute("SELECT pg_advisory_xact_lock($1)", FOLD_LOCK)
            elif not await conn.fetchval("SELECT pg_try_advisory_xact_lock($1)", FOLD_LOCK):
                return None
            await conn.execute(window_totals.SHARE_LOCK)
            return int(await conn.fetchval(_FOLD, rows))


async def unfolded(conn: asyncpg.Connection) -> bool:
    """Whether the inbox holds any committed row."""
    with translated_errors(doing="reading the event inbox"):
        return bool(await conn.fetchval("SELECT EXISTS (SELECT 1 FROM engagement_inbox)"))


@dataclass(frozen=True)
class InboxStats:
    rows: int  # acknowledged events not folded yet
    oldest_seconds: float  # how long the oldest of them has waited (0 when none)


async def inbox_stats(conn: asyncpg.Connection) -> InboxStats:
    """The inbox's backlog (a scan of the inbox: small unless the folding falls behind)."""
    with translated_errors(doing="reading the event inbox"):
        row = await conn.fetchrow(
            "SELECT count(*) AS rows, coalesce(extract(epoch FROM clock_timestamp()"
            " - min(received_at)), 0)::float8 AS oldest FROM engagement_inbox"
        )
    assert row is not None
    return InboxStats(int(row["rows"]), max(0.0, float(row["oldest"])))


async def ensure_partitions(
    pool: asyncpg.Pool, known: KnownPartitions, first: datetime, last: datetime
) -> None:
    """Make sure the monthly raw-event partitions from `first` to `last` exist. DDL runs only
    for months this process has not confirmed yet, under an advisory lock so that two
    processes never create the same partition at once."""
    missing = known.missing(months_between(first, last))
    if not missing:
        return
    async with pool.acquire() as conn:
        await create_partitions(conn, _midnight(min(missing)), _midnight(max(missing)))
    known.add(missing)


async def create_partitions(
    conn: asyncpg.Connection, first: datetime, last: datetime, lock_timeout: str | None = None
) -> None:
    """Create the monthly raw-event partitions from `first`'s month to `last`'s that do not
    exist yet, in a transaction of their own, under the advisory lock every process takes
    for partition DDL (creating or dropping). `lock_timeout` (e.g. "2s", a constant, never
    input): how long to wait for the table's lock, for work that can come back later; a
    statement queued for it would hold up every ingestion behind it. Raises
    PostgresUnavailable when that runs out."""
    with translated_errors(doing="creating event partitions"):
        try:
            async with conn.transaction():
                if lock_timeout is not None:
                    await conn.execute("SELECT set_config('lock_timeout', $1, true)", lock_timeout)
                await conn.execute("SELECT pg_advisory_xact_lock($1)", PARTITION_LOCK)
                await conn.execute("SELECT mediamesh_ensure_event_partitions($1, $2)", first, last)
        except asyncpg.LockNotAvailableError as exc:
            raise PostgresUnavailable(
                f"engagement_events stayed locked for {lock_timeout} while creating its "
                "partitions; the next run retries"
            ) from exc


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)
