"""With DYNAMODB_ENABLED=false nothing feeds the outbox (no relay would ever empty it):
not the search index API, not the catalog, not `mediamesh load`; and with DynamoDB on, the
same writes do feed it."""

from __future__ import annotations

import asyncpg
import httpx

from mediamesh.catalog.loader import load_batch
from mediamesh.catalog.models import CatalogItem
from mediamesh.settings import Settings
from mediamesh.storage import postgres
from tests.conftest import Stack
from tests.search.dynamodb_support import own_database
from tests.support import WRITE_HEADERS, api_client


async def write_everywhere(client: httpx.AsyncClient, unique: str) -> list[str]:
    """Index, replace and delete through every write route; returns the contentIds."""
    doc = {"contentType": "PROGRAM", "title": "Whales", "language": "en"}
    item = {**doc, "description": "About whales"}
    writes = [
        client.put(f"/v1/search/index/d1-{unique}", json=doc, headers=WRITE_HEADERS),
        client.post(
            "/v1/search/index",
            json={"documents": [{**doc, "contentId": f"d2-{unique}"}]},
            headers=WRITE_HEADERS,
        ),
        client.delete(f"/v1/search/index/d1-{unique}", headers=WRITE_HEADERS),
        client.put(f"/v1/catalog/items/c1-{unique}", json=item, headers=WRITE_HEADERS),
        client.delete(f"/v1/catalog/items/c1-{unique}", headers=WRITE_HEADERS),
    ]
    for write in writes:
        response = await write
        assert response.status_code in (200, 204), response.text
    return [f"d1-{unique}", f"d2-{unique}", f"c1-{unique}"]


async def outbox_ids(url: str) -> set[str]:
    conn = await asyncpg.connect(url)
    try:
        return {
            row["content_id"] for row in await conn.fetch("SELECT content_id FROM search_outbox")
        }
    finally:
        await conn.close()


async def search_rows(url: str) -> dict[str, bool]:
    """contentId → whether the document is live."""
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch(
            "SELECT content_id, deleted_at IS NULL AS live FROM search_documents"
        )
    finally:
        await conn.close()
    return {row["content_id"]: row["live"] for row in rows}


async def test_dynamodb_off_writes_no_outbox_rows(stack: Stack, unique: str) -> None:
    async with own_database(stack, unique) as url:
        settings = stack.settings(database_url=url, dynamodb_enabled=False)
        async with api_client(settings) as client:
            ids = await write_everywhere(client, unique)
        pool = await postgres.create_pool(url, min_size=1, max_size=1)
        try:
            item = CatalogItem(contentId=f"l1-{unique}", contentType="PROGRAM", title="Loaded")
            assert await load_batch(pool, [item], outbox=settings.dynamodb_enabled) == 1
        finally:
            await pool.close()

        assert await outbox_ids(url) == set()
        # the documents themselves are written as ever
        assert await search_rows(url) == {
            ids[0]: False,
            ids[1]: True,
            ids[2]: False,
            f"l1-{unique}": True,
        }


async def test_dynamodb_on_the_same_writes_feed_the_outbox(
    provisioned: Settings, stack: Stack, unique: str
) -> None:
    """The contrast: the switch, not the writes, is what keeps the outbox empty above. The
    discovery service runs no relay, so the rows stay for us to see."""
    async with own_database(stack, unique) as url:
        settings = provisioned.model_copy(update={"database_url": url})
        item = {"contentType": "PROGRAM", "title": "Whales", "language": "en"}
        async with api_client(settings, "discovery") as client:
            for write in (
                client.put(f"/v1/catalog/items/c1-{unique}", json=item, headers=WRITE_HEADERS),
                client.put(f"/v1/catalog/items/c2-{unique}", json=item, headers=WRITE_HEADERS),
                client.delete(f"/v1/catalog/items/c2-{unique}", headers=WRITE_HEADERS),
            ):
                assert (await write).status_code in (200, 204)
        pool = await postgres.create_pool(url, min_size=1, max_size=1)
        try:
            item_in = CatalogItem(contentId=f"l1-{unique}", contentType="PROGRAM", title="Loaded")
            assert await load_batch(pool, [item_in], outbox=settings.dynamodb_enabled) == 1
        finally:
            await pool.close()

        assert await outbox_ids(url) == {f"c1-{unique}", f"c2-{unique}", f"l1-{unique}"}
