"""The in-process vector index: every document vector of PostgreSQL's search_embeddings,
held in one float32 matrix and searched exactly (brute force), kept fresh by reading the
rows written since the last read (their `seq`).

Why brute force: one matrix-vector product over 36k x 384 floats takes ~2-3 ms here and
is exact; it needs no build step at start-up (an HNSW graph of the same vectors takes
seconds to build per process) and a new vector is searchable as soon as it is read. It
grows linearly: ~10 ms at 100k documents, too slow and too large (1.5 GB per process)
at millions, where the production path is an engine that indexes vectors itself
(docs/SEARCH.md, "Vectors at scale": pgvector's HNSW on RDS/Aurora, OpenSearch k-NN).

Deleted documents keep their row here until the process restarts: the search statement
joins every candidate with the live documents, so they are never served; they only take
a candidate slot.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import numpy as np

from mediamesh.resilience.periodic import repeat
from mediamesh.search.semantic.model import DIMENSIONS

# Reads vectors written after a seq: (ids, (n, DIMENSIONS) float32 rows, highest seq read).
VectorReader = Callable[[int, int], Awaitable[tuple[list[str], np.ndarray, int]]]

REFRESH_PAGE = 5_000
# the matrix grows by a quarter when full: a doubling would hold up to twice the memory the
# vectors need (154 MB of vectors at 100k documents)
GROWTH = 1.25


@dataclass(frozen=True)
class Neighbour:
    content_id: str
    similarity: float  # cosine, in [-1, 1]


class VectorIndex:
    """Exact cosine search over unit vectors. All updates happen on the event loop; a search
    may run in a worker thread: it reads the arrays it was given, which an update replaces
    (growth) or overwrites row by row (a torn row only moves one score a little)."""

    def __init__(self) -> None:
        self._matrix = np.zeros((0, DIMENSIONS), dtype=np.float32)
        self._ids: list[str] = []
        self._rows: dict[str, int] = {}
        self.seq = 0  # the highest search_embeddings.seq applied

    def __len__(self) -> int:
        return len(self._ids)

    def apply(self, ids: list[str], vectors: np.ndarray, seq: int) -> None:
        """Insert or replace the vectors of `ids` (read up to `seq`)."""
        fresh = [i for i, cid in enumerate(ids) if cid not in self._rows]
        if fresh:
            size = len(self._ids)
            needed = size + len(fresh)
            if needed > self._matrix.shape[0]:
                capacity = max(needed, int(GROWTH * self._matrix.shape[0]), 1024)
                grown = np.zeros((capacity, DIMENSIONS), np.float32)
                grown[:size] = self._matrix[:size]
                self._matrix = grown
            for i in fresh:
                self._rows[ids[i]] = len(self._ids)
                self._ids.append(ids[i])
        rows = [self._rows[cid] for cid in ids]
        self._matrix[rows] = vectors
        self.seq = max(self.seq, seq)

    def nearest(self, query: np.ndarray, k: int, floor: float) -> list[Neighbour]:
        """The `k` most similar documents whose cosine is at least `floor`, best first.
        CPU-bound: ~3 ms at 36k vectors here (probe.INLINE_ROWS says where it runs)."""
        size = len(self._ids)
        if size == 0 or k <= 0:
            return []
        ids = self._ids
        scores = self._matrix[:size] @ query
        k = min(k, size)
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        top = top[scores[top] >= floor]
        # plain Python numbers in one go: a thousand numpy scalars one by one cost a millisecond
        return [
            Neighbour(ids[i], similarity)
            for i, similarity in zip(top.tolist(), scores[top].tolist(), strict=True)
        ]

    async def refresh(self, read: VectorReader) -> int:
        """Read every vector written since the last refresh; returns how many."""
        applied = 0
        while True:
            ids, vectors, seq = await read(self.seq, REFRESH_PAGE)
            if not ids:
                return applied
            self.apply(ids, vectors, seq)
            applied += len(ids)
            if len(ids) < REFRESH_PAGE:
                return applied


async def keep_fresh(index: VectorIndex, read: VectorReader, every: float) -> None:
    """Refresh `index` every `every` seconds until cancelled; a failed read is retried at the
    next tick (the index only lags: search stays lexical for what it does not hold yet)."""
    await repeat(lambda: index.refresh(read), every, "vector index refresh")
