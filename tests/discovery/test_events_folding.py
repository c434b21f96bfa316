"""The event inbox and its aggregator on the real PostgreSQL: acknowledged events reach the
rollups exactly once, whatever commits late, crashes mid-fold or folds at the same time."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import asyncpg
import orjson
import pytest

from mediamesh.discovery.events import aggregator
from mediamesh.discovery.events import repository as events_repository
from mediamesh.discovery.events.aggregator import Aggregator
from mediamesh.discovery.events.repository import FOLD_LOCK, Batch
from mediamesh.discovery.ranking import window_totals
from mediamesh.errors import DependencyError
from mediamesh.settings import Settings
from tests.conftest import Stack
from tests.discovery.conftest import Catalog
from tests.discovery.lists_support import eventually
from tests.support import WRITE_HEADERS, api_client

WINDOWS = window_totals.Windows(30, 48, 6.0)
NOW = datetime.now(UTC).replace(minute=30, second=0, microsecond=0) - timedelta(hours=1)


def likes(content_id: str, count: int, user: str | None = None) -> Batch:
    events = [{"contentId": content_id, "type": "like", "userId": user}] * count
    body = orjson.dumps({"events": events}).decode()
    return Batch(body, NOW, NOW - timedelta(days=30), NOW + timedelta(seconds=60))


async def counted(pool: asyncpg.Pool, content_id: str) -> tuple[int, int, int, int]:
    """(inbox rows, raw events, hourly likes, daily likes) of one item, as they are now."""
    row = await pool.fetchrow(
        """SELECT (SELECT count(*) FROM engagement_inbox x WHERE x.item_id = c.item_id),
                  (SELECT count(*) FROM engagement_events e WHERE e.item_id = c.item_id),
                  (SELECT coalesce(sum(likes), 0) FROM engagement_hourly h
                   WHERE h.item_id = c.item_id),
                  (SELECT coalesce(sum(likes), 0) FROM engagement_daily d
                   WHERE d.item_id = c.item_id)
           FROM catalog_items c WHERE c.content_id = $1""",
        content_id,
    )
    assert row is not None
    return row[0], row[1], row[2], row[3]


def folded(n: int) -> tuple[int, int, int, int]:
    return (0, n, n, n)


async def test_an_acknowledged_batch_waits_in_the_inbox_until_folded(
    pool: asyncpg.Pool, catalog: Catalog, unique: str
) -> None:
    item = await catalog.add(f"i-{unique}")
    assert await events_repository.append(pool, [likes(item, 3)]) == [3]
    assert await counted(pool, item) == (3, 0, 0, 0)

    assert await aggregator.settle(pool) >= 3

    assert await counted(pool, item) == folded(3)
    assert await aggregator.settle(pool) == 0  # nothing left: one probe, no fold


async def test_a_row_committed_after_a_later_one_is_folded_too(
    pool: asyncpg.Pool, catalog: Catalog, unique: str
) -> None:
    """Two writers: the first appends, the second appends and commits, a fold runs, and only
    then the first commits. The fold took what it saw; the late row waits for the next."""
    early, late = await catalog.add(f"early-{unique}"), await catalog.add(f"late-{unique}")
    async with pool.acquire() as writer, writer.transaction():
        await writer.execute(
            "INSERT INTO engagement_inbox (item_id, event_type, occurred_at)"
            " SELECT item_id, 2, $2 FROM catalog_items WHERE content_id = $1",
            early,
            NOW,
        )
        assert await events_repository.append(pool, [likes(late, 2)]) == [2]
        await aggregator.settle(pool)
        assert await counted(pool, late) == folded(2)
        assert await counted(pool, early) == (0, 0, 0, 0)  # not committed: invisible
    assert await counted(pool, early) == (1, 0, 0, 0)

    await aggregator.settle(pool)

    assert await counted(pool, early) == folded(1)
    assert await counted(pool, late) == folded(2)


async def test_a_fold_that_dies_midway_leaves_everything_for_the_next(
    pool: asyncpg.Pool, catalog: Catalog, unique: str
) -> None:
    """The fold's session is killed while it waits for a rollup row, after it deleted the
    inbox rows and wrote the raw events: nothing of it stays, and the next fold counts every
    event once."""
    item = await catalog.add(f"i-{unique}")
    assert await events_repository.append(pool, [likes(item, 1)]) == [1]
    await aggregator.settle(pool)  # the rollup rows exist: the next fold must update them
    assert await events_repository.append(pool, [likes(item, 4)]) == [4]
    item_id = await pool.fetchval("SELECT item_id FROM catalog_items WHERE content_id = $1", item)
    async with pool.acquire() as holder, pool.acquire() as killer:
        async with holder.transaction():
            await holder.execute(
                "SELECT 1 FROM engagement_hourly WHERE bucket = $1 AND item_id = $2 FOR UPDATE",
                NOW.replace(minute=0),
                item_id,
            )
            folding = asyncio.create_task(aggregator.settle(pool))
            pid = await _waiting_fold(killer)
            assert await killer.fetchval("SELECT pg_terminate_backend($1)", pid)
            with pytest.raises(DependencyError):
                await folding
        assert await counted(pool, item) == (4, 1, 1, 1)

    await aggregator.settle(pool)

    assert await counted(pool, item) == folded(5)


async def _waiting_fold(prober: asyncpg.Connection) -> int:
    """The pid of the fold statement waiting for a lock (bounded: 10 s)."""
    for _ in range(200):
        pid = await prober.fetchval(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
            " AND query LIKE '%DELETE FROM engagement_inbox%' AND pid <> pg_backend_pid()"
            " AND cardinality(pg_blocking_pids(pid)) > 0"
        )
        if pid is not None:
            return int(pid)
        await asyncio.sleep(0.05)
    raise AssertionError("the fold never waited for the rollup row")


async def test_one_fold_at_a_time_and_none_counts_twice(
    pool: asyncpg.Pool, catalog: Catalog, unique: str
) -> None:
    """While a session holds the fold lock, an aggregator's turn skips; folds racing with
    appends from several writers count every event once."""
    item = await catalog.add(f"i-{unique}")
    assert await events_repository.append(pool, [likes(item, 2)]) == [2]
    async with pool.acquire() as holder:
        await holder.execute("SELECT pg_advisory_lock($1)", FOLD_LOCK)
        try:
            assert await Aggregator(pool, 0.2, WINDOWS).fold_once() == 0
        finally:
            await holder.execute("SELECT pg_advisory_unlock($1)", FOLD_LOCK)
    assert await counted(pool, item) == (2, 0, 0, 0)

    racers = [Aggregator(pool, 0.2, WINDOWS) for _ in range(2)]
    appends = [events_repository.append(pool, [likes(item, 5, f"u{n}")]) for n in range(8)]
    turns = [racer.fold_once() for racer in racers for _ in range(4)]
    results = await asyncio.gather(*appends, *turns)
    assert results[:8] == [[5]] * 8
    await aggregator.settle(pool)

    assert await counted(pool, item) == folded(2 + 8 * 5)


async def test_the_servers_aggregator_folds_by_itself_and_lists_count_at_once(
    stack: Stack, provisioned: Settings, pool: asyncpg.Pool, catalog: Catalog, unique: str
) -> None:
    """The contract: a list computed 1 s or more after an acknowledgement counts the event.
    The running server folds in the background (checked by waiting for the rollups, with a
    deadline, never calling settle); with background folding off, a list computed right after
    the acknowledgement still counts it (it folds what is pending first)."""
    folding, idle = await catalog.add(f"f-{unique}"), await catalog.add(f"n-{unique}")
    body = {"events": [{"contentId": folding, "type": "like"}] * 3}
    async with pool.acquire() as conn:  # the popular window totals, as before migration 0022
        await conn.execute("UPDATE engagement_window_anchor SET anchor = NULL, hours = NULL")
    async with api_client(provisioned, "discovery") as client:
        response = await client.post("/v1/discovery/events", json=body, headers=WRITE_HEADERS)
        assert response.status_code == 202, response.text

        async def rolled_up() -> bool:
            return await counted(pool, folding) == folded(3)

        async def totals_built() -> bool:  # by the same background work, once an hour
            async with pool.acquire() as conn:
                anchor = await window_totals.read_anchor(conn)
            return anchor.anchor is not None and anchor.hours == 24 * 30

        assert await eventually(rolled_up, within=30)
        assert await eventually(totals_built, within=30)
        metrics = await client.get("/metrics")
        assert "mediamesh_events_unfolded " in metrics.text
        assert "mediamesh_events_unfolded_oldest_seconds " in metrics.text

    off = provisioned.model_copy(update={"events_fold_interval_seconds": 0.0})
    body = {"events": [{"contentId": idle, "type": "like"}] * 2}
    async with api_client(off, "discovery") as client:
        response = await client.post("/v1/discovery/events", json=body, headers=WRITE_HEADERS)
        assert response.status_code == 202, response.text
        listed = await client.get(
            "/v1/discovery/popular",
            params={"category": catalog.category},
            headers=WRITE_HEADERS,
        )
    assert listed.status_code == 200, listed.text
    assert [i["contentId"] for i in listed.json()["items"]] == [folding, idle]
    assert await counted(pool, idle) == folded(2)


async def test_the_backlog_is_sampled_for_metrics(
    pool: asyncpg.Pool, catalog: Catalog, unique: str
) -> None:
    item = await catalog.add(f"i-{unique}")
    sampler = Aggregator(pool, 0.2, WINDOWS).stats
    assert await events_repository.append(pool, [likes(item, 3)]) == [3]

    stats = await sampler.sample()

    assert stats.rows >= 3 and stats.oldest_seconds >= 0
    assert sampler.latest == stats
    await aggregator.settle(pool)
    assert (await sampler.sample()).rows == 0
