"""Ingesting a batch of engagement events: all of it, durably, or none of it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import asyncpg

from mediamesh.discovery import events_repository as repository
from mediamesh.discovery.events import AcceptedTimes, EventIn, KnownPartitions, checked


async def ingest(
    pool: asyncpg.Pool,
    events: Sequence[EventIn],
    times: AcceptedTimes,
    partitions: KnownPartitions,
    now: datetime,
) -> int:
    """Store `events` and their rollup counts in one transaction; returns how many.

    Raises InvalidInput naming the first offending event (unknown or deleted contentId,
    unknown type, occurredAt without a time zone, too far in the future or older than the
    longest window); nothing of the batch is stored then. Returns only after the commit.
    """
    async with pool.acquire() as conn:
        ids = await repository.item_ids(conn, (e.contentId for e in events))
    accepted = [
        checked(index, event, ids.get(event.contentId), times, now)
        for index, event in enumerate(events)
    ]
    await repository.ensure_partitions(pool, partitions, (e.occurred_at for e in accepted))
    async with pool.acquire() as conn, conn.transaction():
        await repository.store(conn, accepted)
    return len(accepted)
