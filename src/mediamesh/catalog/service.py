"""Catalog writes. A write reaches search through search's port in the same transaction: a
published item becomes searchable, an unpublished or deleted one stops being findable."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import asyncpg

from mediamesh.catalog import repository
from mediamesh.catalog.models import CatalogItem, Status
from mediamesh.content import ContentType
from mediamesh.errors import InvalidInput, NotFound
from mediamesh.search.documents import SearchDocument
from mediamesh.search.indexing.catalog_port import CatalogSearchPort


async def upsert_items(
    pool: asyncpg.Pool, search: CatalogSearchPort, items: Sequence[CatalogItem]
) -> int:
    """Validate references, then write items and their search documents atomically.

    Raises InvalidInput naming the first offending item; nothing of the batch is written then.
    """
    _reject_duplicates(items)
    now = datetime.now(UTC)
    async with pool.acquire() as conn, conn.transaction():
        await _check_programs(conn, items)
        await repository.upsert_items(conn, items)
        live = [i for i in items if i.status is Status.PUBLISHED]
        hidden = [i.contentId for i in items if i.status is not Status.PUBLISHED]
        await search.publish(conn, [_as_document(i, now) for i in live], now)
        await search.withdraw(conn, hidden)
    return len(items)


async def delete_item(pool: asyncpg.Pool, search: CatalogSearchPort, content_id: str) -> None:
    """Soft-delete an item (and a program's episodes) and remove them from search."""
    async with pool.acquire() as conn, conn.transaction():
        if not await repository.mark_deleted(conn, content_id):
            raise NotFound(f"no catalog item with contentId {content_id!r}")
        episodes = await repository.episode_ids(conn, content_id)
        await search.withdraw(conn, [content_id, *episodes])


def _reject_duplicates(items: Sequence[CatalogItem]) -> None:
    seen: set[str] = set()
    for index, item in enumerate(items):
        if item.contentId in seen:
            raise InvalidInput(f"items[{index}]: contentId {item.contentId!r} appears twice")
        seen.add(item.contentId)


async def _check_programs(conn: asyncpg.Connection, items: Sequence[CatalogItem]) -> None:
    in_batch = {i.contentId: i.contentType.value for i in items}
    wanted = {i.programId for i in items if i.programId}
    known = await repository.content_types(conn, [p for p in wanted if p not in in_batch])
    types = {**known, **in_batch}
    for index, item in enumerate(items):
        if item.programId is None:
            continue
        found = types.get(item.programId)
        if found is None:
            raise InvalidInput(
                f"items[{index}] ({item.contentId}): programId {item.programId!r} is not a "
                "catalog item; create the PROGRAM first or in the same batch"
            )
        if found != ContentType.PROGRAM.value:
            raise InvalidInput(
                f"items[{index}] ({item.contentId}): programId {item.programId!r} is an "
                f"{found}, not a PROGRAM"
            )


def _as_document(item: CatalogItem, now: datetime) -> SearchDocument:
    return SearchDocument(
        contentId=item.contentId,
        contentType=item.contentType,
        title=item.title,
        description=item.description,
        category=item.category,
        language=item.language,
        tags=item.tags,
        updatedAt=now,
    )
