"""Helpers of the embedding tests: a database of the test's own, the real indexing path,
what PostgreSQL holds of the vectors, and waiting for a condition with a deadline."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import asyncpg
import numpy as np

from mediamesh.search.documents import SearchDocument
from mediamesh.search.indexing import repository as index_repository
from mediamesh.search.semantic import codec
from mediamesh.search.semantic.model import DIMENSIONS, Vectors
from mediamesh.storage import postgres
from tests.conftest import Stack
from tests.search.dynamodb_support import document, own_database

DEADLINE_SECONDS = 60.0  # the model loads in the first wait: generous on a busy machine


@asynccontextmanager
async def own_pool(stack: Stack, unique: str) -> AsyncIterator[tuple[str, asyncpg.Pool]]:
    """A migrated database of the test's own (its backlog is only the test's documents)."""
    async with own_database(stack, unique) as url:
        pool = await postgres.create_pool(url, min_size=1, max_size=4)
        try:
            yield url, pool
        finally:
            await pool.close()


def film(content_id: str, title: str, description: str, **fields: object) -> SearchDocument:
    return document(content_id, title, description=description, **fields)


async def index(pool: asyncpg.Pool, docs: Sequence[SearchDocument]) -> list[str]:
    """The real write path (DynamoDB off: no outbox row); stamped now, so a later call wins."""
    async with pool.acquire() as conn, conn.transaction():
        now = datetime.now(UTC)
        stamped = [d.model_copy(update={"updatedAt": now}) for d in docs]
        return await index_repository.upsert_documents(conn, stamped, now, outbox=False)


async def tombstone(pool: asyncpg.Pool, content_ids: Sequence[str]) -> None:
    async with pool.acquire() as conn, conn.transaction():
        await index_repository.tombstone(conn, content_ids, outbox=False)


async def due(pool: asyncpg.Pool) -> set[str]:
    """Live documents waiting for a vector."""
    rows = await pool.fetch(
        """SELECT content_id FROM search_embedding_queue
           JOIN search_documents USING (content_id) WHERE deleted_at IS NULL"""
    )
    return {row["content_id"] for row in rows}


def random_units(rng: np.random.Generator, count: int) -> Vectors:
    """`count` random unit vectors of DIMENSIONS (no model): an embedding's rows."""
    rows = rng.standard_normal((count, DIMENSIONS)).astype(np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def kept(vectors: Vectors) -> Vectors:
    """What storing `vectors` keeps of them (codec.py: int8 codes and a scale per vector)."""
    return codec.decode(codec.encode(vectors))


async def stored(pool: asyncpg.Pool) -> dict[str, tuple[str, Vectors, int]]:
    """content id → (text_hash, vector, seq) of every stored vector."""
    rows = await pool.fetch("SELECT content_id, text_hash, vector, seq FROM search_embeddings")
    return {
        row["content_id"]: (row["text_hash"], codec.decode(row["vector"]), row["seq"])
        for row in rows
    }


async def wait_for(
    condition: Callable[[], Awaitable[bool]], what: str, deadline: float = DEADLINE_SECONDS
) -> None:
    """Return once `condition()` holds; fail after `deadline` seconds."""
    loop = asyncio.get_running_loop()
    end = loop.time() + deadline
    while not await condition():
        assert loop.time() < end, f"not within {deadline} s: {what}"
        await asyncio.sleep(0.05)
