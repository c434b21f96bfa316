"""Building cached lists and list stores for the storage tests of the discovery tiers."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import orjson

from mediamesh.discovery.cached_list import CachedList, Entry, ListKey
from mediamesh.discovery.models import ListContentType, ListKind, ListQuery
from mediamesh.discovery.tiers.dynamodb import DynamoDBListStore
from mediamesh.settings import Settings
from mediamesh.storage.dynamodb.client import DynamoDBConnection, open_client
from mediamesh.storage.dynamodb.tables import tables_from_settings

VERSION = "1.test"


def a_list(
    tag: str, length: int, expires_in: float = 300.0, now: float | None = None
) -> CachedList:
    """`length` items whose ids name the list (`tag`) and their rank."""
    now = time.time() if now is None else now
    entries = tuple(
        Entry(
            f"{tag}-{rank}",
            f"{tag}-p{rank % 3}",
            orjson.dumps({"rank": rank, "contentId": f"{tag}-{rank}", "title": f"T{rank}"}),
        )
        for rank in range(1, length + 1)
    )
    return CachedList(VERSION, now, now + expires_in, entries)


def a_key(
    unique: str,
    kind: ListKind = ListKind.TRENDING,
    content_type: ListContentType = ListContentType.ALL,
    category: str | None = "",
) -> ListKey:
    query = ListQuery(content_type, f"cat-{unique}" if category == "" else category)
    return ListKey(kind, query, VERSION)


@asynccontextmanager
async def dynamodb_store(settings: Settings) -> AsyncIterator[tuple[DynamoDBListStore, object]]:
    conn = DynamoDBConnection.from_settings(settings)
    tables = tables_from_settings(settings)
    async with open_client(conn) as client:
        store = DynamoDBListStore(
            client, conn, {ListKind.TRENDING: tables.trending, ListKind.POPULAR: tables.popular}
        )
        yield store, client
