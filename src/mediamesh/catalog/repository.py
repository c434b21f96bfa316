"""Catalog rows in PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg
import orjson

from mediamesh.catalog.models import CatalogItem
from mediamesh.search.postgres import relaxed

_UPSERT = """
WITH incoming AS (
    SELECT * FROM jsonb_to_recordset($1::jsonb) AS i(
        content_id text, content_type text, program_id text, title text, description text,
        category text, language text, tags jsonb, status text, published_at timestamptz)
)
INSERT INTO catalog_items AS c
    (content_id, content_type, program_id, title, description, category, language, tags,
     status, published_at)
SELECT content_id, content_type, program_id, title, description, category, language,
       ARRAY(SELECT jsonb_array_elements_text(tags)), status, published_at
FROM incoming
ON CONFLICT (content_id) DO UPDATE SET
    content_type = EXCLUDED.content_type, program_id = EXCLUDED.program_id,
    title = EXCLUDED.title, description = EXCLUDED.description, category = EXCLUDED.category,
    language = EXCLUDED.language, tags = EXCLUDED.tags, status = EXCLUDED.status,
    published_at = EXCLUDED.published_at, updated_at = now()
RETURNING content_id, item_id, updated_at
"""


async def upsert_items(conn: asyncpg.Connection, items: Sequence[CatalogItem]) -> None:
    payload = [
        {
            "content_id": i.contentId,
            "content_type": i.contentType.value,
            "program_id": i.programId,
            "title": i.title,
            "description": i.description,
            "category": i.category,
            "language": i.language,
            "tags": i.tags,
            "status": i.status.value,
            "published_at": i.publishedAt.isoformat() if i.publishedAt else None,
        }
        for i in items
    ]
    await conn.execute(_UPSERT, orjson.dumps(payload).decode())


async def search_states(
    conn: asyncpg.Connection, content_ids: Sequence[str], program_ids: Sequence[str]
) -> list[asyncpg.Record]:
    """The items `content_ids` and the episodes of `program_ids`, each with `searchable`:
    published, and (for an episode) its program published too."""
    rows: list[asyncpg.Record] = await conn.fetch(
        """SELECT e.content_id, e.content_type, e.title, e.description, e.category,
                  e.language, e.tags,
                  e.status = 'published'
                  AND (e.program_id IS NULL OR p.status = 'published') AS searchable
           FROM catalog_items e LEFT JOIN catalog_items p ON p.content_id = e.program_id
           WHERE e.content_id = ANY($1::text[]) OR e.program_id = ANY($2::text[])""",
        list(content_ids),
        list(program_ids),
    )
    return rows


async def content_types(conn: asyncpg.Connection, content_ids: Sequence[str]) -> dict[str, str]:
    """contentId → contentType for the ids that exist and are not deleted."""
    rows = await conn.fetch(
        "SELECT content_id, content_type FROM catalog_items "
        "WHERE content_id = ANY($1::text[]) AND status <> 'deleted'",
        list(content_ids),
    )
    return {row["content_id"]: row["content_type"] for row in rows}


async def mark_deleted(conn: asyncpg.Connection, content_id: str) -> bool:
    """Soft-delete an item and its episodes; returns whether the item existed."""
    result: str = await conn.execute(
        "UPDATE catalog_items SET status = 'deleted', updated_at = now() "
        "WHERE (content_id = $1 OR program_id = $1) AND status <> 'deleted'",
        content_id,
    )
    return result != "UPDATE 0"


async def episode_ids(conn: asyncpg.Connection, program_id: str) -> list[str]:
    rows = await conn.fetch(
        "SELECT content_id FROM catalog_items WHERE program_id = $1", program_id
    )
    return [row["content_id"] for row in rows]


async def refresh_statistics(pool: asyncpg.Pool) -> None:
    """ANALYZE what a bulk load filled: until autovacuum gets to it, the planner would still
    plan the first searches and list filters for near-empty tables. Then the words' document
    counts, which relaxed search weighs words by (search/postgres/relaxed.py)."""
    await pool.execute("ANALYZE catalog_items, search_documents")
    async with pool.acquire() as conn:
        await relaxed.refresh_terms(conn)
