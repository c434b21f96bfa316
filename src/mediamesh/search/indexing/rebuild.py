"""Rebuilding the DynamoDB search index from PostgreSQL (`mediamesh reindex`).

Walks every document id (live and tombstoned) in id order, a page at a time, and sends
each page's current state under the documents' advisory locks (index_sync): live documents
are put with a fresh ttl, tombstoned ones deleted. Idempotent, so it is resumed by running
it again, or from a given id (`start`). `prune_orphans` also deletes index items for ids
PostgreSQL does not hold live (e.g. written by a test or an older deployment).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import asyncpg

from mediamesh.errors import DynamoDBError
from mediamesh.search.dynamodb.index_store import SearchIndexWriter, WriteRequest
from mediamesh.search.dynamodb.query_store import content_id_pages
from mediamesh.search.indexing import outbox_repository
from mediamesh.search.indexing.sync import sync_contents
from mediamesh.storage.dynamodb.client import DynamoDBClient, DynamoDBConnection
from mediamesh.storage.dynamodb.tables import TableSpec


@dataclass
class RebuildReport:
    indexed: int = 0  # live documents put
    removed: int = 0  # tombstoned or orphaned items deleted
    last_id: str | None = None


def _now() -> datetime:
    return datetime.now(UTC)


async def rebuild(
    pool: asyncpg.Pool,
    writer: SearchIndexWriter,
    spec: TableSpec,
    ttl_seconds: int,
    start: str | None = None,
    batch_size: int = 100,
    on_page: Callable[[int], None] = lambda n: None,
    clock: Callable[[], datetime] = _now,
) -> RebuildReport:
    """Send every document from `start` (inclusive) on. Raises DynamoDBError naming the id
    to resume from when a page cannot be written completely."""
    report = RebuildReport()
    after, inclusive = start, True
    while True:
        async with pool.acquire() as conn:
            ids = await outbox_repository.document_ids_page(conn, after, inclusive, batch_size)
            if not ids:
                return report
            async with conn.transaction():
                await outbox_repository.lock_contents(conn, ids)
                outcome, deletes = await sync_contents(
                    conn, writer, spec, ids, clock(), ttl_seconds
                )
        if outcome.failed:
            reason = next(iter(outcome.failed.values()))
            raise DynamoDBError(
                f"{len(outcome.failed)} of {len(ids)} documents were not written ({reason}); "
                f"nothing is lost: resume with `mediamesh reindex --from {ids[0]}`"
            )
        report.indexed += len(ids) - len(deletes)
        report.removed += len(deletes)
        report.last_id = ids[-1]
        after, inclusive = ids[-1], False
        on_page(len(ids))


async def prune_orphans(
    pool: asyncpg.Pool,
    client: DynamoDBClient,
    conn: DynamoDBConnection,
    writer: SearchIndexWriter,
) -> int:
    """Delete index items whose document PostgreSQL does not hold live; returns how many."""
    spec = writer.spec
    removed = 0
    async for page in content_id_pages(client, conn, spec):
        async with pool.acquire() as pg, pg.transaction():
            await outbox_repository.lock_contents(pg, page)
            orphans = set(page) - await outbox_repository.live_ids(pg, page)
            outcome = await writer.write([WriteRequest(cid, None) for cid in sorted(orphans)])
        if outcome.failed:
            raise DynamoDBError(f"could not delete {len(outcome.failed)} orphaned items")
        removed += len(orphans)
    return removed
