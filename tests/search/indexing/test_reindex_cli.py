"""`mediamesh reindex` (the real command, in a subprocess) on a database and tables of its own."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

from mediamesh.devstack import dynamodb_local
from mediamesh.search.documents import IndexedDocument
from mediamesh.search.dynamodb.index_store import SearchIndexWriter, WriteRequest
from mediamesh.search.dynamodb.item import to_item
from mediamesh.settings import Settings
from mediamesh.storage.dynamodb.client import DynamoDBConnection, open_client
from mediamesh.storage.dynamodb.tables import tables_from_settings
from tests.cli.run import mediamesh
from tests.conftest import Stack
from tests.search.dynamodb_support import (
    delete_documents,
    document,
    index_documents,
    index_items,
    own_database,
    own_tables,
)
from tests.search.dynamodb_support import search_stores as resources_for


async def put_stale(settings: Settings, content_ids: list[str]) -> None:
    """Items as an old deployment left them: title "Stale", indexed ten days ago."""
    spec = tables_from_settings(settings).search_index
    conn = DynamoDBConnection.from_settings(settings)
    old = datetime.now(UTC) - timedelta(days=10)
    docs = [
        IndexedDocument(cid, "PROGRAM", "Stale", "", None, None, [], old) for cid in content_ids
    ]
    async with open_client(conn) as client:
        outcome = await SearchIndexWriter(client, conn, spec).write(
            [WriteRequest(d.content_id, to_item(d, spec, old, 86_400)) for d in docs]
        )
    assert not outcome.failed


async def test_reindex_rebuilds_resumes_and_prunes(stack: Stack, unique: str) -> None:
    async with own_database(stack, unique) as url:
        settings = await own_tables(stack, unique, database_url=url)
        async with resources_for(settings) as resources:
            docs = [document(f"r-{i:04}", f"Film {i}") for i in range(250)]
            await index_documents(resources.pool, [*docs, document("gone", "Gone")])
            await delete_documents(resources.pool, ["gone"])
        await put_stale(settings, ["r-0005", "gone", "orphan"])

        started = time.time()
        first = await asyncio.to_thread(mediamesh, settings, "reindex", "--batch-size", "40")
        assert first.returncode == 0, first.stderr
        assert "indexed 250 documents, removed 1 tombstoned" in first.stdout
        items = await index_items(settings)
        assert sorted(items) == sorted([d.contentId for d in docs] + ["orphan"])
        assert items["r-0005"]["title"] == {"S": "Film 5"}
        ttl = int(items["r-0005"]["ttl"]["N"])
        assert started - 1 <= ttl - settings.dynamodb_ttl_seconds <= time.time() + 1

        second = await asyncio.to_thread(
            mediamesh, settings, "reindex", "--from", "r-0200", "--prune"
        )
        assert second.returncode == 0, second.stderr
        assert "indexed 50 documents, removed 0 tombstoned, pruned 1 orphaned" in second.stdout
        assert sorted(await index_items(settings)) == sorted(d.contentId for d in docs)


async def test_reindex_against_an_unreachable_dynamodb_says_how_to_resume(
    stack: Stack, unique: str
) -> None:
    async with own_database(stack, unique) as url:
        dead = f"http://127.0.0.1:{dynamodb_local.free_port()}"
        settings = stack.settings(database_url=url, dynamodb_endpoint=dead)
        async with resources_for(settings) as resources:
            await index_documents(resources.pool, [document("a-1", "One"), document("a-2", "Two")])
        result = await asyncio.to_thread(mediamesh, settings, "reindex")
    assert result.returncode == 1
    assert "resume with `mediamesh reindex --from a-1`" in result.stderr
