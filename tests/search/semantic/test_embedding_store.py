"""Vectors as data in PostgreSQL (search/semantic/repository.py and the queue indexing
fills): which documents wait for a vector, storing one only for the version it was computed
from, and reading vectors back in seq order. Vectors here are random unit vectors: no model."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import asyncpg
import numpy as np

from mediamesh.search.documents import SearchDocument
from mediamesh.search.indexing import repository as index_repository
from mediamesh.search.semantic import repository
from mediamesh.search.semantic.embedding import BatchReport, embed_due
from mediamesh.search.semantic.model import DIMENSIONS, Vectors
from mediamesh.search.semantic.repository import ComputedVector
from mediamesh.search.semantic.text import document_text, text_hash
from tests.conftest import Stack
from tests.search.semantic.embedding_support import (
    due,
    film,
    index,
    kept,
    own_pool,
    random_units,
    stored,
    tombstone,
    wait_for,
)

RNG = np.random.default_rng(13)


def unit(vectors: int = 2) -> Vectors:
    """A random embedding: `vectors` unit vectors (a text's and its passages')."""
    return random_units(RNG, vectors)


async def store_all(pool: asyncpg.Pool, vectors: dict[str, Vectors] | None = None) -> list[str]:
    """Store a vector (given, or random) for every due document, as the worker would."""
    async with pool.acquire() as conn:
        docs = await repository.due_documents(conn, 1000)
        return await repository.store(
            conn,
            [
                ComputedVector(d.content_id, d.indexed_at, f"h-{d.content_id}", vector)
                for d in docs
                if (vector := (vectors or {}).get(d.content_id, unit())) is not None
            ],
        )


async def test_new_and_changed_documents_are_due_and_other_updates_keep_their_state(
    stack: Stack, unique: str
) -> None:
    async with own_pool(stack, unique) as (_, pool):
        a, b = film("a", "Alpha", "A plot."), film("b", "Beta", "B plot.", tags=["x"])
        await index(pool, [a, b])
        assert await due(pool) == {"a", "b"}
        assert sorted(await store_all(pool)) == ["a", "b"]
        assert await due(pool) == set()

        await index(pool, [a, b])  # the same fields again
        await index(pool, [b.model_copy(update={"category": "Drama", "language": "fr"})])
        assert await due(pool) == set()

        await index(pool, [a.model_copy(update={"title": "Alpha Two"})])
        assert await due(pool) == {"a"}
        await index(pool, [b.model_copy(update={"description": "Another plot."})])
        await index(pool, [film("c", "Gamma", "")])
        assert await due(pool) == {"a", "b", "c"}
        await store_all(pool)
        await index(pool, [b.model_copy(update={"tags": ["x", "y"]})])
        assert await due(pool) == {"b"}


async def test_a_tombstoned_document_is_not_due_work(stack: Stack, unique: str) -> None:
    async with own_pool(stack, unique) as (_, pool):
        await index(pool, [film("gone", "Gone", "Soon deleted."), film("kept", "Kept", "")])
        await tombstone(pool, ["gone"])
        assert await due(pool) == {"kept"}
        async with pool.acquire() as conn:
            assert [d.content_id for d in await repository.due_documents(conn, 10)] == ["kept"]
            assert await repository.backlog(conn) == 1
        assert await queued(pool) == {"kept"}  # the tombstone took its document off the queue
        # back with the same fields and never embedded: due again
        await index(pool, [film("gone", "Gone", "Soon deleted.")])
        assert await due(pool) == {"gone", "kept"}


async def test_a_vector_is_stored_only_for_the_version_it_was_computed_from(
    stack: Stack, unique: str
) -> None:
    async with own_pool(stack, unique) as (_, pool):
        docs = [film(cid, cid.title(), "Plot.") for cid in ("edited", "deleted", "quiet")]
        await index(pool, docs)
        async with pool.acquire() as conn:
            read = await repository.due_documents(conn, 10)
        # while the vectors are computed: one document is edited, one deleted
        await index(pool, [film("edited", "Edited", "A new plot.")])
        await tombstone(pool, ["deleted"])
        async with pool.acquire() as conn:
            done = await repository.store(
                conn, [ComputedVector(d.content_id, d.indexed_at, "h", unit()) for d in read]
            )
        assert done == ["quiet"]
        assert set(await stored(pool)) == {"quiet"}
        assert await due(pool) == {"edited"}  # still waiting, for its new text


async def test_vectors_come_back_in_seq_order_and_again_when_replaced(
    stack: Stack, unique: str
) -> None:
    async with own_pool(stack, unique) as (_, pool):
        vectors = {cid: unit(n) for n, cid in enumerate(("v1", "v2", "v3"), start=1)}
        for cid in vectors:  # one store each: seq follows the order of the stores
            await index(pool, [film(cid, cid, "")])
            await store_all(pool, vectors)
        async with pool.acquire() as conn:
            ids, embeddings, seq = await repository.vectors_since(conn, 0, 2)
            assert ids == ["v1", "v2"]
            assert [e.shape for e in embeddings] == [(1, DIMENSIONS), (2, DIMENSIONS)]
            assert all(e.dtype == np.float32 for e in embeddings)
            assert np.array_equal(embeddings[0], kept(vectors["v1"]))
            assert np.array_equal(embeddings[1], kept(vectors["v2"]))
            ids, embeddings, last = await repository.vectors_since(conn, seq, 2)
            assert ids == ["v3"] and np.array_equal(embeddings[0], kept(vectors["v3"]))
            ids, embeddings, unchanged = await repository.vectors_since(conn, last, 2)
            assert (ids, embeddings, unchanged) == ([], [], last)

            # a new vector for v1 (its title changed): v1 comes again, after v3
            await index(pool, [film("v1", "v1 again", "")])
            vectors["v1"] = unit()
            await store_all(pool, vectors)
            ids, embeddings, newer = await repository.vectors_since(conn, last, 10)
            assert (
                ids == ["v1"]
                and newer > last
                and np.array_equal(embeddings[0], kept(vectors["v1"]))
            )

            await tombstone(pool, ["v2"])  # a deleted document's vector is not served
            ids, _, _ = await repository.vectors_since(conn, 0, 10)
            assert ids == ["v3", "v1"]
            found = await repository.vectors_for(conn, ["v1", "v2", "v3", "unknown"])
            assert sorted(found) == ["v1", "v3"]
            assert np.array_equal(found["v3"], kept(vectors["v3"]))


async def test_documents_without_a_vector_of_the_model_become_due_again(
    stack: Stack, unique: str
) -> None:
    async with own_pool(stack, unique) as (_, pool):
        await index(pool, [film("old-model", "Old", "")])
        async with pool.acquire() as conn:
            (old,) = await repository.due_documents(conn, 10)
            vector = ComputedVector(old.content_id, old.indexed_at, "h", unit())
            await repository.store(conn, [vector], model="an-older-model")
        await index(pool, [film(cid, cid, "") for cid in ("lost", "fine")])
        await store_all(pool)  # of the current model, after the older one
        await pool.execute("DELETE FROM search_embeddings WHERE content_id = 'lost'")
        async with pool.acquire() as conn:
            assert await repository.another_model_remains(conn)
            assert await repository.mark_missing_due(conn) == 2
            assert await repository.embedded_count(conn) == 1
        assert await due(pool) == {"old-model", "lost"}
        await store_all(pool)
        async with pool.acquire() as conn:
            assert not await repository.another_model_remains(conn)


async def test_a_change_that_leaves_the_embedded_text_alone_keeps_the_vector(
    stack: Stack, unique: str
) -> None:
    async with own_pool(stack, unique) as (_, pool):
        doc = film("t", "Tagged", "A plot about tags.", tags=["one"])
        await index(pool, [doc])
        text = document_text(doc.title, doc.description, doc.tags)
        vector = unit()
        async with pool.acquire() as conn:
            (read,) = await repository.due_documents(conn, 10)
            await repository.store(
                conn, [ComputedVector("t", read.indexed_at, text_hash(text), vector)]
            )
        before = (await stored(pool))["t"]

        await index(pool, [doc.model_copy(update={"tags": ["one", "two"]})])
        if document_text(doc.title, doc.description, ["one", "two"]) != text:
            return  # tags are embedded after all: a real change, covered above
        assert await due(pool) == {"t"}

        async def no_model(texts: Sequence[str]) -> list[Vectors]:
            raise AssertionError(f"the model was asked for {texts}")

        async with pool.acquire() as conn:
            report = await embed_due(conn, no_model, batch_size=10)
        assert report == BatchReport(read=1, kept=1, stored=1)
        assert await due(pool) == set()
        assert (await stored(pool))["t"][2] == before[2]  # the same row: no new seq


async def test_storing_a_vector_leaves_the_document_row_as_it_was(
    stack: Stack, unique: str
) -> None:
    async with own_pool(stack, unique) as (_, pool):
        await index(pool, [film("row", "Row", "A plot.")])
        before = await _row_version(pool, "row")
        assert await store_all(pool) == ["row"]
        assert await queued(pool) == set()
        # dequeued without a new version of the document (nor of its GIN indexes' entries)
        assert await _row_version(pool, "row") == before


async def test_an_upsert_compares_with_an_edit_committed_while_it_waited(
    stack: Stack, unique: str
) -> None:
    """A batch that waits for a row lock compares the embedded fields with the row it
    replaces, not with what its statement saw when it began: the vector stored meanwhile is
    of a text the batch then replaces, so the document must wait again."""
    async with own_pool(stack, unique) as (_, pool):
        start = datetime(2024, 1, 1, tzinfo=UTC)
        original = film("b", "Original", "A plot.")
        await _upsert(pool, [film("a", "A", ""), original], start)
        await store_all(pool)

        async with pool.acquire() as holder, holder.transaction():
            await holder.execute("SELECT 1 FROM search_documents WHERE content_id = 'a' FOR UPDATE")
            # the batch (the original text of "b" again, newest of all) begins, and waits for "a"
            batch = asyncio.create_task(
                _upsert(pool, [film("a", "A", ""), original], start + timedelta(hours=2))
            )
            await wait_for(lambda: _waits_for_a_lock(pool), "the batch waits for the lock")
            # meanwhile "b" is edited and the vector of its edited text stored
            await _upsert(pool, [film("b", "Edited", "A plot.")], start + timedelta(hours=1))
            assert await store_all(pool) == ["b"]
            assert await due(pool) == set()
        assert sorted(await batch) == ["a", "b"]
        assert await due(pool) == {"b"}  # its vector is of "Edited"; the text is "Original"


async def queued(pool: asyncpg.Pool) -> set[str]:
    """Every row of the queue, whatever its document's state."""
    return {row["content_id"] for row in await pool.fetch("SELECT * FROM search_embedding_queue")}


async def _row_version(pool: asyncpg.Pool, content_id: str) -> tuple[str, str]:
    row = await pool.fetchrow(
        "SELECT ctid::text, xmin::text FROM search_documents WHERE content_id = $1", content_id
    )
    assert row is not None
    return row["ctid"], row["xmin"]


async def _upsert(pool: asyncpg.Pool, docs: Sequence[SearchDocument], at: datetime) -> list[str]:
    """The real write path, with the writer's clock at `at`."""
    async with pool.acquire() as conn, conn.transaction():
        stamped = [d.model_copy(update={"updatedAt": at}) for d in docs]
        return await index_repository.upsert_documents(conn, stamped, at, outbox=False)


async def _waits_for_a_lock(pool: asyncpg.Pool) -> bool:
    return bool(
        await pool.fetchval(
            """SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE datname = current_database()
                              AND wait_event_type = 'Lock' AND query LIKE '%search_documents%')"""
        )
    )
