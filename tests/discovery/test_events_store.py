"""events_repository.append and fold on the real PostgreSQL: batches appended together, each
all or nothing, and the order in which a fold locks rollup rows."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import asyncpg
import orjson

from mediamesh.discovery.events import aggregator
from mediamesh.discovery.events import repository as events_repository
from mediamesh.discovery.events.repository import Batch
from mediamesh.discovery.events.writer import EventWriter
from tests.discovery.conftest import Catalog

NOW = datetime.now(UTC).replace(minute=30, second=0, microsecond=0) - timedelta(hours=1)


def batch(*events: dict[str, object]) -> Batch:
    body = orjson.dumps({"events": list(events)}).decode()
    return Batch(body, NOW, NOW - timedelta(days=30), NOW + timedelta(seconds=60))


async def raw_events(pool: asyncpg.Pool, content_id: str) -> int:
    """The item's events in the raw table, once everything acknowledged is folded."""
    await aggregator.settle(pool)
    return int(
        await pool.fetchval(
            "SELECT count(*) FROM engagement_events e JOIN catalog_items c USING (item_id)"
            " WHERE c.content_id = $1",
            content_id,
        )
    )


async def test_each_batch_of_a_statement_is_stored_or_refused_whole(
    pool: asyncpg.Pool, catalog: Catalog, unique: str
) -> None:
    one, two, three = [await catalog.add(f"{n}-{unique}") for n in ("one", "two", "three")]
    earlier = (NOW - timedelta(minutes=5)).isoformat()
    batches = [
        batch({"contentId": one, "type": "view"}, {"contentId": one, "type": "like"}),
        batch({"contentId": two, "type": "view"}, {"contentId": f"gone-{unique}", "type": "view"}),
        batch({"contentId": three, "type": "complete", "occurredAt": earlier, "userId": "u"}),
        batch({"contentId": two, "type": "view", "occurredAt": NOW.isoformat()},
              {"contentId": two, "type": "view", "occurredAt": "2031-02-30T10:00:00Z"}),
    ]  # fmt: skip

    assert await events_repository.append(pool, batches) == [2, None, 1, None]
    assert [await raw_events(pool, c) for c in (one, two, three)] == [2, 0, 1]


async def test_rollup_rows_are_locked_hourly_first_then_daily(
    pool: asyncpg.Pool, catalog: Catalog, unique: str
) -> None:
    """Concurrent folds (and simulation chunks) cannot deadlock if each locks rows in the same
    order; the fold relies on PostgreSQL completing its writing clauses last to first."""
    content_id = await catalog.add(f"i-{unique}")
    like = batch({"contentId": content_id, "type": "like"})
    assert await events_repository.append(pool, [like]) == [1]
    await aggregator.settle(pool)  # both rollup rows exist now
    assert await events_repository.append(pool, [like]) == [1]
    item_id = await pool.fetchval(
        "SELECT item_id FROM catalog_items WHERE content_id = $1", content_id
    )
    hour = NOW.replace(minute=0)
    async with pool.acquire() as holder, pool.acquire() as prober, holder.transaction():
        await holder.execute(
            "SELECT 1 FROM engagement_daily WHERE bucket = $1 AND item_id = $2 FOR UPDATE",
            hour.date(),
            item_id,
        )
        folding = asyncio.create_task(aggregator.settle(pool))
        await _until_waiting_for_a_lock(prober, holder)
        try:
            await prober.execute(
                "SELECT 1 FROM engagement_hourly WHERE bucket = $1 AND item_id = $2"
                " FOR UPDATE NOWAIT",
                hour,
                item_id,
            )
            hourly_row_free = True
        except asyncpg.LockNotAvailableError:
            hourly_row_free = False
    assert await folding >= 1
    assert not hourly_row_free  # taken by the fold before it waited for the daily row


async def _until_waiting_for_a_lock(
    prober: asyncpg.Connection, holder: asyncpg.Connection, sessions: int = 1
) -> None:
    """Until `sessions` sessions of this database wait for a lock, held by `holder` or by a
    session waiting for it (bounded: 10 s)."""
    for _ in range(200):
        waiting = await prober.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid <> $1 AND cardinality(pg_blocking_pids(pid)) > 0",
            holder.get_server_pid(),
        )
        if waiting >= sessions:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("nothing ever waited for the lock")


async def test_the_writer_stores_waiting_batches_in_one_statement(
    pool: asyncpg.Pool, catalog: Catalog, unique: str
) -> None:
    """Batches handed over together go into one transaction (one received_at); each caller
    gets its own batch's answer, a refused batch's None included."""
    writer = EventWriter(pool)
    items = [await catalog.add(f"i{n}-{unique}") for n in range(4)]
    batches = [
        batch({"contentId": c, "type": "like"}, {"contentId": c, "type": "view"}) for c in items
    ]
    refused = batch({"contentId": f"gone-{unique}", "type": "view"})

    results = await asyncio.gather(*(writer.store(b) for b in [*batches, refused]))

    assert results == [2, 2, 2, 2, None]
    await aggregator.settle(pool)
    transactions = await pool.fetchval(
        "SELECT count(DISTINCT received_at) FROM engagement_events"
        " WHERE item_id IN (SELECT item_id FROM catalog_items WHERE content_id = ANY($1::text[]))",
        items,
    )
    assert transactions == 1


async def test_a_batch_whose_caller_left_before_its_statement_is_never_stored(
    pool: asyncpg.Pool, catalog: Catalog, unique: str
) -> None:
    """The write budget cancels a caller whose batch still waits for a statement (both
    statements blocked): the caller got a 503, so the batch must not be stored later."""
    writer = EventWriter(pool)
    content_id = await catalog.add(f"i-{unique}")
    like = batch({"contentId": content_id, "type": "like"})
    assert await writer.store(like) == 1
    async with pool.acquire() as holder, pool.acquire() as prober:
        async with holder.transaction():  # appends wait for the inbox while this holds it
            await holder.execute("LOCK TABLE engagement_inbox IN SHARE MODE")
            running = []
            for blocked in (1, 2):  # one batch per statement, each waiting for the table
                running.append(asyncio.create_task(writer.store(like)))
                await _until_waiting_for_a_lock(prober, holder, blocked)
            left = asyncio.create_task(writer.store(like))
            await asyncio.sleep(0.1)  # it waits behind the two blocked statements
            left.cancel()
            await asyncio.gather(left, return_exceptions=True)
        # the lock is gone: the statements end, and the writer looks for more batches
        assert await asyncio.gather(*running) == [1, 1]
        assert await writer.store(like) == 1
    assert await raw_events(pool, content_id) == 4  # the first, the two running, the last
