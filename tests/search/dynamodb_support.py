"""Helpers for the DynamoDB indexing and query tests: own tables, own databases, documents."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import asyncpg

from mediamesh.app.resources import open_resources
from mediamesh.content import ContentType
from mediamesh.search.documents import SearchDocument
from mediamesh.search.indexing import repository as index_repository
from mediamesh.search.stores import SearchStores
from mediamesh.settings import Settings
from mediamesh.storage import postgres
from mediamesh.storage.dynamodb.client import DynamoDBConnection, open_client
from mediamesh.storage.dynamodb.tables import tables_from_settings
from mediamesh.storage.migrations import migrate
from tests.conftest import ADMIN_DATABASE_URL, Stack
from tests.support import provision


def document(content_id: str, title: str, **fields: Any) -> SearchDocument:
    values: dict[str, Any] = {
        "contentId": content_id,
        "contentType": ContentType.PROGRAM,
        "title": title,
        "description": "",
        "category": None,
        "language": "en",
        "tags": [],
        "updatedAt": datetime(2024, 1, 16, 12, 0, tzinfo=UTC),
    }
    values.update(fields)
    return SearchDocument.model_validate(values)


async def own_tables(stack: Stack, unique: str, **overrides: object) -> Settings:
    """Settings with tables of this test's own (created now) and `overrides`."""
    settings = stack.settings(table_prefix=f"t{unique}-", **overrides)
    await provision(settings)
    return settings


@asynccontextmanager
async def own_database(stack: Stack, unique: str) -> AsyncIterator[str]:
    """A migrated database of this test's own, so its outbox holds only its rows."""
    url = ADMIN_DATABASE_URL.rsplit("/", 1)[0] + f"/mediamesh_search_{unique}"
    await postgres.ensure_database(url)
    async with postgres.connect(url) as conn:
        await migrate(conn)
    try:
        yield url
    finally:
        await postgres.drop_database(url)


@asynccontextmanager
async def search_stores(settings: Settings) -> AsyncIterator[SearchStores]:
    """What the search feature is handed by the app, opened as the app opens it."""
    async with open_resources(settings, (tables_from_settings(settings).search_index,)) as res:
        yield res.search_stores()


async def index_documents(pool: asyncpg.Pool, docs: Sequence[SearchDocument]) -> None:
    """The real write path: documents and their outbox rows in one transaction."""
    async with pool.acquire() as conn, conn.transaction():
        await index_repository.upsert_documents(conn, docs, datetime.now(UTC), outbox=True)


async def delete_documents(pool: asyncpg.Pool, content_ids: Sequence[str]) -> None:
    async with pool.acquire() as conn, conn.transaction():
        await index_repository.tombstone(conn, content_ids, outbox=True)


async def index_items(settings: Settings) -> dict[str, dict[str, Any]]:
    """Every item of the settings' search index, by contentId (wire format)."""
    conn = DynamoDBConnection.from_settings(settings)
    name = settings.dynamodb_table_search_index
    items: dict[str, dict[str, Any]] = {}
    async with open_client(conn) as client:
        start: dict[str, Any] | None = None
        while True:
            extra = {"ExclusiveStartKey": start} if start else {}
            response = await client.scan(TableName=name, **extra)
            items.update({item["contentId"]["S"]: item for item in response["Items"]})
            start = response.get("LastEvaluatedKey")
            if start is None:
                return items


async def outbox_rows(pool: asyncpg.Pool) -> list[asyncpg.Record]:
    async with pool.acquire() as conn:
        rows: list[asyncpg.Record] = await conn.fetch(
            "SELECT content_id, attempts, next_attempt_at, last_error, now() AS db_now "
            "FROM search_outbox ORDER BY id"
        )
        return rows
