"""The port through which catalog changes reach search, owned by search.

The catalog calls it inside its own transaction, so an item and its search document commit
together (or neither does): a published item becomes searchable, an unpublished or deleted
one stops being findable, and the outbox carries either to DynamoDB.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

import asyncpg

from mediamesh.search.documents import SearchDocument
from mediamesh.search.indexing import repository


class CatalogSearchPort(Protocol):
    async def publish(
        self, conn: asyncpg.Connection, documents: Sequence[SearchDocument], now: datetime
    ) -> None:
        """Index (or update) these documents in the caller's transaction."""

    async def withdraw(self, conn: asyncpg.Connection, content_ids: Sequence[str]) -> None:
        """Remove these ids from search in the caller's transaction (absent ids are ignored)."""


class SearchIndex:
    """The search index in PostgreSQL, the source of truth of search, and its outbox to the
    DynamoDB search index unless `outbox` is False (give it DYNAMODB_ENABLED: with DynamoDB
    off, nothing would ever deliver an outbox row)."""

    def __init__(self, *, outbox: bool = True) -> None:
        self.outbox = outbox

    async def publish(
        self, conn: asyncpg.Connection, documents: Sequence[SearchDocument], now: datetime
    ) -> None:
        await repository.upsert_documents(conn, documents, now, outbox=self.outbox)

    async def withdraw(self, conn: asyncpg.Connection, content_ids: Sequence[str]) -> None:
        await repository.tombstone(conn, content_ids, outbox=self.outbox)
