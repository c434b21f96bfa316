"""The PostgreSQL side of indexing: documents, tombstones and the DynamoDB outbox (and the
queue of documents waiting for a vector, which the embedding worker reads).

Writers call these inside their own transaction, so a document and its outbox row commit
together: an acknowledged write always reaches DynamoDB eventually (see search/outbox).
With DynamoDB off (`outbox=False`) no row is written: no relay would ever deliver it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import asyncpg
import orjson

from mediamesh.search.documents import SearchDocument

_UPSERT = """
WITH incoming AS (
    SELECT * FROM jsonb_to_recordset($1::jsonb) AS d(
        content_id text, content_type text, title text, description text, category text,
        language text, tags jsonb, updated_at timestamptz)
),
-- the rows about to be replaced, locked (in one order, whatever the batch's) and read before
-- the first write (the one-time filter below): a row lock reads the latest version, so an edit
-- committed since this statement began is what the embedded fields are compared with. A row
-- this misses (inserted since) counts as new: enqueued, at worst once more than needed.
previous AS MATERIALIZED (
    SELECT s.content_id, s.title, s.description, s.tags, s.deleted_at
    FROM search_documents s JOIN incoming USING (content_id)
    ORDER BY s.content_id
    FOR NO KEY UPDATE OF s
),
written AS (
    INSERT INTO search_documents AS s
        (content_id, content_type, title, description, category, language, tags,
         updated_at, indexed_at, deleted_at)
    SELECT content_id, content_type, title, description, category, language,
           ARRAY(SELECT jsonb_array_elements_text(tags)), updated_at, now(), NULL
    FROM incoming
    WHERE (SELECT count(*) FROM previous) >= 0  -- always true: evaluated once, first
    ON CONFLICT (content_id) DO UPDATE SET
        content_type = EXCLUDED.content_type, title = EXCLUDED.title,
        description = EXCLUDED.description, category = EXCLUDED.category,
        language = EXCLUDED.language, tags = EXCLUDED.tags, updated_at = EXCLUDED.updated_at,
        indexed_at = now(), deleted_at = NULL
    -- last writer wins by the writer's clock; an equal timestamp re-indexes (idempotent retries)
    WHERE s.updated_at <= EXCLUDED.updated_at
    RETURNING content_id, title, description, tags
),
-- a new vector is needed for a new (or revived) document and when an embedded field changed;
-- another update leaves the queue as it was (search/semantic/repository.py)
queued AS (
    INSERT INTO search_embedding_queue (content_id)
    SELECT w.content_id FROM written w LEFT JOIN previous p USING (content_id)
    WHERE p.content_id IS NULL OR p.deleted_at IS NOT NULL
       OR (p.title, p.description, p.tags) IS DISTINCT FROM (w.title, w.description, w.tags)
    ON CONFLICT (content_id) DO NOTHING
)
SELECT content_id FROM written
"""

_TOMBSTONE = """
WITH removed AS (
    UPDATE search_documents
    SET deleted_at = now(), updated_at = greatest(updated_at, now()), indexed_at = now()
    WHERE content_id = ANY($1::text[]) AND deleted_at IS NULL
    RETURNING content_id
),
-- a deleted document is no work for the embedding worker (a revival enqueues it again)
dequeued AS (
    DELETE FROM search_embedding_queue q USING removed WHERE q.content_id = removed.content_id
)
SELECT content_id FROM removed
"""


async def upsert_documents(
    conn: asyncpg.Connection, documents: Sequence[SearchDocument], now: datetime, *, outbox: bool
) -> list[str]:
    """Insert or update; returns the ids actually written (older updates are skipped).
    `outbox`: also enqueue them for the DynamoDB search index (DYNAMODB_ENABLED)."""
    if not documents:
        return []
    payload = [
        {
            "content_id": d.contentId,
            "content_type": d.contentType.value,
            "title": d.title,
            "description": d.description,
            "category": d.category,
            "language": d.language,
            "tags": d.tags,
            "updated_at": (d.updatedAt or now).isoformat(),
        }
        for d in documents
    ]
    rows = await conn.fetch(_UPSERT, orjson.dumps(payload).decode())
    written = [row["content_id"] for row in rows]
    if outbox:
        await enqueue(conn, written)
    return written


async def tombstone(
    conn: asyncpg.Connection, content_ids: Sequence[str], *, outbox: bool
) -> list[str]:
    """Mark documents deleted; returns the ids that were live. `outbox`: as in
    upsert_documents."""
    if not content_ids:
        return []
    rows = await conn.fetch(_TOMBSTONE, list(content_ids))
    removed = [row["content_id"] for row in rows]
    if outbox:
        await enqueue(conn, removed)
    return removed


async def enqueue(conn: asyncpg.Connection, content_ids: Sequence[str]) -> None:
    """Record that DynamoDB must be brought in line with PostgreSQL for these ids."""
    if content_ids:
        await conn.execute(
            "INSERT INTO search_outbox (content_id) SELECT unnest($1::text[])", list(content_ids)
        )
