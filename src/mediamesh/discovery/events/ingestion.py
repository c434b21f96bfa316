"""Ingesting a batch of engagement events: all of it, durably, or none of it.

Two ways in, one way to store (an EventWriter: events_repository.append, which checks the
batch again against the catalog and the accepted window in the statement that appends it to
the inbox; aggregator.py folds it into the rollups):
- `ingest_plain`: the request body as it came, when plain_batch accepted it (the fast path);
- `ingest`: events validated by the model, each checked with its own error message.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import orjson

from mediamesh.discovery.events import repository
from mediamesh.discovery.events.models import AcceptedTimes, EventIn, checked
from mediamesh.discovery.events.repository import Batch
from mediamesh.discovery.events.writer import EventWriter
from mediamesh.errors import InvalidInput

# A batch that passes the checks can still be refused by the store if one of its items was
# deleted in between; checking again then names it. More rounds than this mean the catalog
# keeps changing under the batch.
_ROUNDS = 3


async def ingest_plain(
    writer: EventWriter, body: str, times: AcceptedTimes, now: datetime
) -> int | None:
    """Store a body that plain_batch.plain_batch_size accepted; returns how many events,
    once committed, or None, having stored nothing, when the batch needs `ingest` to say
    what is wrong with it (unknown or deleted contentId, occurredAt outside the window).
    """
    oldest, newest = times.bounds(now)
    await repository.ensure_partitions(writer.pool, writer.partitions, oldest, newest)
    return await writer.store(Batch(body, now, oldest, newest))


async def ingest(
    writer: EventWriter, events: Sequence[EventIn], times: AcceptedTimes, now: datetime
) -> int:
    """Store `events` durably in one transaction (the inbox); returns how many.

    Raises InvalidInput naming the first offending event (unknown or deleted contentId,
    unknown type, occurredAt without a time zone, too far in the future or older than the
    longest window); nothing of the batch is stored then. Returns only after the commit.
    """
    oldest, newest = times.bounds(now)
    await repository.ensure_partitions(writer.pool, writer.partitions, oldest, newest)
    for _ in range(_ROUNDS):
        async with writer.pool.acquire() as conn:
            ids = await repository.item_ids(conn, (e.contentId for e in events))
        accepted = [
            checked(index, event, ids.get(event.contentId), times, now)
            for index, event in enumerate(events)
        ]
        body = orjson.dumps(
            {
                "events": [
                    {
                        "contentId": event.contentId,
                        "type": engagement.type.value,
                        "occurredAt": engagement.occurred_at.isoformat(),
                        "userId": engagement.user_id,
                    }
                    for event, engagement in zip(events, accepted, strict=True)
                ]
            }
        ).decode()
        stored = await writer.store(Batch(body, now, oldest, newest))
        if stored is not None:
            return stored
    raise InvalidInput("the catalog kept changing while these events were stored: send them again")
