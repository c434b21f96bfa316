"""Indexing through the search API: PostgreSQL first, in one transaction with the outbox.

When these functions return, the documents (and the outbox rows that carry them to the
DynamoDB search index) are committed: that is what a 2xx acknowledges.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from mediamesh.errors import InvalidInput, NotFound
from mediamesh.search.documents import SearchDocument, refuse_future_updates
from mediamesh.search.indexing import repository as index_repository
from mediamesh.search.stores import SearchStores
from mediamesh.storage.postgres import translated_errors

WRITE_TIMEOUT_SECONDS = 5.0  # waiting for a pooled connection; the writes themselves are small


@dataclass(frozen=True)
class IndexOutcome:
    indexed: list[str]  # written now (new, newer, or an idempotent repeat)
    stale: list[str]  # older than what PostgreSQL holds: left as it was


async def index_documents(
    stores: SearchStores, documents: Sequence[SearchDocument], now: datetime
) -> IndexOutcome:
    """Upsert all documents atomically; a document without updatedAt is stamped `now`.

    Raises InvalidInput when a contentId appears twice, InvalidValue when an updatedAt is
    more than SEARCH_MAX_CLOCK_SKEW_SECONDS ahead of `now` (nothing is written then).
    """
    skew = timedelta(seconds=stores.settings.search_max_clock_skew_seconds)
    refuse_future_updates(documents, now, skew)
    seen: set[str] = set()
    for index, doc in enumerate(documents):
        if doc.contentId in seen:
            raise InvalidInput(f"documents[{index}]: contentId {doc.contentId!r} appears twice")
        seen.add(doc.contentId)
    with translated_errors(stores.settings.database_url):
        async with (
            stores.pool.acquire(timeout=WRITE_TIMEOUT_SECONDS) as conn,
            conn.transaction(),
        ):
            written = set(
                await index_repository.upsert_documents(
                    conn, documents, now, outbox=stores.settings.dynamodb_enabled
                )
            )
    return IndexOutcome(
        indexed=[d.contentId for d in documents if d.contentId in written],
        stale=[d.contentId for d in documents if d.contentId not in written],
    )


async def remove_document(stores: SearchStores, content_id: str) -> None:
    """Tombstone a document; NotFound when no live document has this id."""
    with translated_errors(stores.settings.database_url):
        async with (
            stores.pool.acquire(timeout=WRITE_TIMEOUT_SECONDS) as conn,
            conn.transaction(),
        ):
            removed = await index_repository.tombstone(
                conn, [content_id], outbox=stores.settings.dynamodb_enabled
            )
    if not removed:
        raise NotFound(f"no search document with contentId {content_id!r}")
