"""Turning due documents into stored vectors, a batch at a time: the known vectors first (the
vendored sample's, shipped with the code), the model for the rest.

Shared by the background worker (worker.py), `mediamesh embeddings backfill` and the
vector fill after `mediamesh load --sample`. Every batch is committed on its own, so an
interrupted pass loses at most the batch in flight; what it did not store is still due.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import astuple, dataclass
from itertools import pairwise

import asyncpg
import numpy as np

from mediamesh.search.semantic import repository
from mediamesh.search.semantic.known_vectors import known_vectors
from mediamesh.search.semantic.model import Vectors, embedder
from mediamesh.search.semantic.repository import ComputedVector, DueDocument, Position
from mediamesh.search.semantic.text import EMBEDDING_ID, document_text, passages, text_hash

# document texts → each one's embedding (its passages' unit vectors: embed_passages), in
# order (the model, off the event loop)
Embed = Callable[[Sequence[str]], Awaitable[list[Vectors]]]

# documents per batch when only known vectors are used: no model call to keep short
KNOWN_ONLY_BATCH_SIZE = 500


def embed_passages(
    embed_rows: Callable[[Sequence[str]], Vectors], texts: Sequence[str]
) -> list[Vectors]:
    """Each text's embedding: the vectors (n, DIMENSIONS) of its `passages` (the whole text
    first), computed by `embed_rows` (texts → one unit vector each) in one call."""
    cut = [passages(text) for text in texts]
    rows = embed_rows([passage for parts in cut for passage in parts])
    bounds = np.cumsum([0, *(len(parts) for parts in cut)]).tolist()
    return [rows[start:end] for start, end in pairwise(bounds)]


async def embed_in_thread(texts: Sequence[str]) -> list[Vectors]:
    """The process's model, run in a worker thread: the event loop keeps serving."""
    return await asyncio.to_thread(lambda: embed_passages(embedder().embed_documents, texts))


@dataclass(frozen=True)
class BatchReport:
    read: int = 0  # due documents read
    kept: int = 0  # of them, whose stored vector is of their text already (a tag changed)
    known: int = 0  # of them, with a known vector
    embedded: int = 0  # of them, embedded by the model
    stored: int = 0  # vectors stored or kept: those documents are no longer due

    def __add__(self, other: BatchReport) -> BatchReport:
        return BatchReport(*(a + b for a, b in zip(astuple(self), astuple(other), strict=True)))


async def embed_batch(
    conn: asyncpg.Connection, documents: Sequence[DueDocument], embed: Embed | None
) -> BatchReport:
    """Vectors for `documents`: the stored one where the text has not changed, else a known
    one, else `embed` (None: known ones only, the rest stay due); stores them (see
    repository.store)."""
    texts = [document_text(d.title, d.description, d.tags) for d in documents]
    hashes = [text_hash(text) for text in texts]
    kept = {i for i, d in enumerate(documents) if d.stored_hash == hashes[i]}
    wanted = [h for i, h in enumerate(hashes) if i not in kept]
    # the known vectors are read from disk on first use: not on the event loop
    known = await asyncio.to_thread(known_vectors, wanted) if wanted else {}
    missing = [i for i, h in enumerate(hashes) if i not in kept and h not in known]
    computed: dict[int, Vectors] = {}
    if missing and embed is not None:
        rows = await embed([texts[i] for i in missing])
        computed = dict(zip(missing, rows, strict=True))
    vectors: list[ComputedVector] = []
    for i, d in enumerate(documents):
        vector = None if i in kept else known.get(hashes[i], computed.get(i))
        if i in kept or vector is not None:
            vectors.append(ComputedVector(d.content_id, d.indexed_at, hashes[i], vector))
    stored = await repository.store(conn, vectors, EMBEDDING_ID)
    return BatchReport(
        read=len(documents),
        kept=len(kept),
        known=len(documents) - len(kept) - len(missing),
        embedded=len(computed),
        stored=len(stored),
    )


async def embed_due(
    conn: asyncpg.Connection,
    embed: Embed | None,
    batch_size: int,
    on_batch: Callable[[BatchReport], None] | None = None,
) -> BatchReport:
    """One pass over the documents due now, in batches of `batch_size` (each committed on its
    own; `on_batch` is told after each). Documents that become due during the pass are
    reached by it when queued after its position, else by the next pass."""
    total = BatchReport()
    after: Position | None = None
    while documents := await repository.due_documents(conn, batch_size, after):
        report = await embed_batch(conn, documents, embed)
        total += report
        if on_batch is not None:
            on_batch(report)
        if len(documents) < batch_size:
            break
        after = (documents[-1].queued_at, documents[-1].content_id)
    return total


async def fill_known_vectors(
    conn: asyncpg.Connection, on_batch: Callable[[BatchReport], None] | None = None
) -> BatchReport:
    """Store the known vector of every due document that has one (no model call): after
    `mediamesh load --sample`, the sample is searchable by meaning at once."""
    return await embed_due(conn, None, KNOWN_ONLY_BATCH_SIZE, on_batch)
