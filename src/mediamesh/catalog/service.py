"""Catalog writes. A write reaches search through search's port, and discovery's takedown log,
in the same transaction: a published item becomes searchable, an unpublished or deleted one
stops being findable and is logged as taken down (every list drops it). An episode is
searchable only while its program is published too: unpublishing a program withdraws its
episodes, republishing it brings the published ones back."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import asyncpg

from mediamesh.catalog import repository
from mediamesh.catalog.models import CatalogItem, Status
from mediamesh.content import ContentType
from mediamesh.discovery import takedown_log
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
        programs = [i.contentId for i in items if i.contentType is ContentType.PROGRAM]
        states = await repository.search_states(conn, [i.contentId for i in items], programs)
        await search.publish(conn, [_as_document(r, now) for r in states if r["searchable"]], now)
        await search.withdraw(conn, [r["content_id"] for r in states if not r["searchable"]])
        hidden = [i.contentId for i in items if i.status is not Status.PUBLISHED]
        await takedown_log.record(conn, hidden)
    return len(items)


async def delete_item(pool: asyncpg.Pool, search: CatalogSearchPort, content_id: str) -> None:
    """Soft-delete an item (and a program's episodes), remove them from search, log the
    takedown."""
    async with pool.acquire() as conn, conn.transaction():
        if not await repository.mark_deleted(conn, content_id):
            raise NotFound(f"no catalog item with contentId {content_id!r}")
        gone = [content_id, *await repository.episode_ids(conn, content_id)]
        await search.withdraw(conn, gone)
        await takedown_log.record(conn, gone)


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


def _as_document(row: asyncpg.Record, now: datetime) -> SearchDocument:
    return SearchDocument(
        contentId=row["content_id"],
        contentType=ContentType(row["content_type"]),
        title=row["title"],
        description=row["description"],
        category=row["category"],
        language=row["language"],
        tags=list(row["tags"]),
        updatedAt=now,
    )
