"""Bring DynamoDB in line with PostgreSQL for some documents: the step the outbox relay and
`mediamesh reindex` share.

What is sent is what PostgreSQL holds *now*: a put for a live document, a delete for a
tombstoned or unknown one. The caller must hold the documents' advisory locks
(outbox_repository.claim / lock_contents) for the whole call, so no other worker
can send an older read of the same document after this one.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import asyncpg

from mediamesh.search.dynamodb.index_store import SearchIndexWriter, WriteOutcome, WriteRequest
from mediamesh.search.dynamodb.item import to_item
from mediamesh.search.indexing import outbox_repository
from mediamesh.storage.dynamodb.tables import TableSpec


async def sync_contents(
    conn: asyncpg.Connection,
    writer: SearchIndexWriter,
    spec: TableSpec,
    content_ids: Sequence[str],
    now: datetime,
    ttl_seconds: int,
) -> tuple[WriteOutcome, set[str]]:
    """Write the current state of `content_ids`; returns the outcome and the ids sent as deletes."""
    live = await outbox_repository.live_documents(conn, content_ids)
    requests = [
        WriteRequest(cid, to_item(live[cid], spec, now, ttl_seconds) if cid in live else None)
        for cid in content_ids
    ]
    outcome = await writer.write(requests)
    return outcome, {cid for cid in content_ids if cid not in live}
