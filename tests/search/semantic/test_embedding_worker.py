"""The embedding worker and its pipeline with the real model on a small corpus: it clears
the backlog (a notify wakes it), an edit made while a vector is computed stays due, known
vectors spare the model, and only one worker of a database embeds, another taking over when
it stops."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import asyncpg
import numpy as np

from mediamesh.catalog.loader import load_batch, open_sample, parse_lines
from mediamesh.catalog.models import CatalogItem
from mediamesh.search.semantic import repository
from mediamesh.search.semantic.embedding import embed_due, embed_in_thread, fill_known_vectors
from mediamesh.search.semantic.known_vectors import known_vectors
from mediamesh.search.semantic.model import Vectors, embedder
from mediamesh.search.semantic.text import EMBEDDING_ID, document_text, passages, text_hash
from mediamesh.search.semantic.worker import EmbeddingWorker, WorkerPolicy
from tests.conftest import Stack
from tests.search.semantic.embedding_support import (
    due,
    film,
    index,
    kept,
    own_pool,
    stored,
    wait_for,
)

CORPUS = [
    film("w-1", "Cell Block", "A banker is wrongly imprisoned for killing his wife."),
    film("w-2", "Visitor", "A boy befriends an alien left behind on earth."),
    film("w-3", "Inside", "Emotions live inside a young girl's head."),
    film("w-4", "Busters", "Three scientists start a ghost catching business."),
    film("w-5", "Contender", "A small time boxer gets a shot at the heavyweight title."),
]


def model_vector(title: str, description: str) -> Vectors:
    """The embedding the model gives the document: its text's vector, then its passages'."""
    return embedder().embed_documents(passages(document_text(title, description, [])))


class Recording:
    """An Embed that records what it was asked, then asks the real model."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    async def __call__(self, texts: Sequence[str]) -> list[Vectors]:
        self.texts.extend(texts)
        return await embed_in_thread(texts)


async def test_the_worker_clears_the_backlog_and_a_notify_wakes_it(
    stack: Stack, unique: str
) -> None:
    async with own_pool(stack, unique) as (url, pool):
        await index(pool, CORPUS)
        # it polls once a minute: only a notify can bring the last document in time
        worker = EmbeddingWorker(url, WorkerPolicy(batch_size=2, poll_seconds=60.0))
        task = asyncio.create_task(worker.run())
        try:
            await wait_for(lambda: _none_due(pool), "the corpus embedded")
            late = film("w-6", "Late", "A film indexed while the worker sleeps.")
            await index(pool, [late])
            worker.notify()
            await wait_for(lambda: _none_due(pool), "the late document embedded")
        finally:
            task.cancel()
        vectors = await stored(pool)
        assert sorted(vectors) == [d.contentId for d in [*CORPUS, late]]
        for doc in [*CORPUS, late]:
            text_key, vector, _ = vectors[doc.contentId]
            assert text_key == text_hash(document_text(doc.title, doc.description, doc.tags))
            assert np.allclose(vector, kept(model_vector(doc.title, doc.description)), atol=1e-6)
        assert worker.counters.embedded == len(CORPUS) + 1
        model = await pool.fetchval("SELECT DISTINCT model FROM search_embeddings")
        assert model == EMBEDDING_ID


async def _none_due(pool: asyncpg.Pool) -> bool:
    return not await due(pool)


async def test_an_edit_made_while_its_vector_is_computed_stays_due(
    stack: Stack, unique: str
) -> None:
    async with own_pool(stack, unique) as (_, pool):
        await index(pool, CORPUS[:2])
        edited = CORPUS[0].model_copy(update={"description": "A lawyer escapes from prison."})

        async def edit_then_embed(texts: Sequence[str]) -> list[Vectors]:
            await index(pool, [edited])  # committed while the batch is being embedded
            return await embed_in_thread(texts)

        async with pool.acquire() as conn:
            first = await embed_due(conn, edit_then_embed, batch_size=10)
            assert (first.read, first.stored) == (2, 1)
            assert await due(pool) == {edited.contentId}
            second = await embed_due(conn, embed_in_thread, batch_size=10)
            assert (second.read, second.stored) == (1, 1)
        assert await due(pool) == set()
        text_key, vector, _ = (await stored(pool))[edited.contentId]
        assert text_key == text_hash(document_text(edited.title, edited.description, []))
        assert np.allclose(vector, kept(model_vector(edited.title, edited.description)), atol=1e-6)


def _sample_items(count: int) -> list[CatalogItem]:
    """The first `count` sample films that have a shipped vector."""
    found: list[CatalogItem] = []
    with open_sample() as lines:
        for item in parse_lines(lines):
            assert isinstance(item, CatalogItem)
            key = text_hash(document_text(item.title, item.description or "", []))
            if known_vectors([key]):
                found.append(item)
            if len(found) == count:
                return found
    raise AssertionError("the shipped sample vectors are missing (scripts/embed_sample.py)")


async def test_known_vectors_spare_the_model(stack: Stack, unique: str) -> None:
    async with own_pool(stack, unique) as (_, pool):
        items = _sample_items(3)
        await load_batch(pool, items, outbox=False)  # as `mediamesh load` indexes them
        own = film("own", "Not In The Sample", "A film the shipped vectors do not know.")
        await index(pool, [own])

        async with pool.acquire() as conn:
            filled = await fill_known_vectors(conn)  # what `mediamesh load --sample` adds
            assert (filled.known, filled.stored) == (3, 3)
            assert await due(pool) == {"own"}
            recording = Recording()
            rest = await embed_due(conn, recording, batch_size=10)
        assert (rest.read, rest.embedded, rest.stored) == (1, 1, 1)
        assert recording.texts == [document_text(own.title, own.description, [])]
        vectors = await stored(pool)
        for item in items:
            key, vector, _ = vectors[item.contentId]
            assert np.array_equal(vector, kept(known_vectors([key])[key]))


async def test_one_worker_embeds_and_another_takes_over_when_it_stops(
    stack: Stack, unique: str
) -> None:
    async with own_pool(stack, unique) as (url, pool):
        policy = WorkerPolicy(batch_size=2, poll_seconds=0.1)
        first, second = Recording(), Recording()
        workers = [EmbeddingWorker(url, policy, embed) for embed in (first, second)]
        tasks = [asyncio.create_task(workers[0].run())]
        await wait_for(lambda: _is(workers[0].leading), "the first worker leads")
        tasks.append(asyncio.create_task(workers[1].run()))
        try:
            await index(pool, CORPUS[:3])
            await wait_for(lambda: _none_due(pool), "the first batch embedded")
            assert len(first.texts) == 3 and second.texts == []
            assert not workers[1].leading

            tasks[0].cancel()  # its session ends: PostgreSQL releases its lock
            await wait_for(lambda: _is(workers[1].leading), "the second worker takes over")
            await index(pool, CORPUS[3:])
            await wait_for(lambda: _none_due(pool), "the rest embedded")
        finally:
            for task in tasks:
                task.cancel()
        assert len(first.texts) == 3 and len(second.texts) == 2
        assert set(first.texts).isdisjoint(second.texts)
        async with pool.acquire() as conn:
            assert await repository.embedded_count(conn) == len(CORPUS)


async def _is(value: bool) -> bool:
    return value
