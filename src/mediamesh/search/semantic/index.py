"""The in-process vector index: every document embedding of PostgreSQL's search_embeddings
(the whole text's vector and its passages'), held as int8 codes (scan.py) and searched
exhaustively (brute force), kept fresh by reading the rows written since the last read (their
`seq`).

Why brute force: one pass over the 36k sample's 88k vectors takes ~2 ms here and misses
nothing (int8 cosines are within ~0.003 of float32's); it needs no build step at start-up
(an HNSW graph of the same vectors takes seconds to build per process) and a new vector is
searchable as soon as it is read. It grows linearly: ~9 ms and ~90 MB at 100k documents,
too slow and too large at millions, where the production path is an engine that indexes
vectors itself (docs/SEARCH.md, "Vectors at scale": pgvector's HNSW on RDS/Aurora,
OpenSearch k-NN).

Deleted documents keep their rows here until the process restarts: the search statement
joins every candidate with the live documents, so they are never served; they only take
a candidate slot.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

import numpy as np

from mediamesh.resilience.periodic import repeat
from mediamesh.search.semantic import scan
from mediamesh.search.semantic.model import DIMENSIONS

# Reads embeddings written after a seq: (ids, each one's (n, DIMENSIONS) float32 unit rows,
# highest seq read).
VectorReader = Callable[[int, int], Awaitable[tuple[list[str], list[np.ndarray], int]]]

REFRESH_PAGE = 5_000
# the matrix grows by a quarter when full: a doubling would hold up to twice the memory the
# vectors need
GROWTH = 1.25
# A document's similarity to a query: WHOLE_WEIGHT * its whole text's cosine + the rest *
# its best vector's (the whole text's or a passage's). Chosen on the tuning queries of
# bench/search_labels.py (docs/SEARCH.md, "Passages"): the best passage alone finds the
# detail a person remembers; the whole text keeps a film that is all about the query ahead
# of one that mentions it in passing.
WHOLE_WEIGHT = 0.3


@dataclass(frozen=True)
class Neighbour:
    content_id: str
    similarity: float  # in [-1, 1]: the blend of cosines above


class VectorIndex:
    """Exact cosine search over documents' embeddings (each a block of unit vectors: the
    whole text's first, then its passages'). All updates happen on the event loop; a search
    may run in a worker thread: it reads the arrays it was given, which an update replaces
    (growth, new blocks) or overwrites row by row (a torn row only moves one score a
    little)."""

    def __init__(self) -> None:
        # each vector as int8 codes (shifted to uint8) and a scale: scan.py
        self._codes = np.zeros((0, DIMENSIONS), dtype=np.uint8)
        self._scales = np.zeros(0, dtype=np.float32)
        self._rows = 0  # rows in use
        self._starts = np.zeros(0, dtype=np.int64)  # each block's first row, in row order
        self._owners: list[str | None] = []  # each block's document (None: replaced)
        self._replaced = np.zeros(0, dtype=bool)  # blocks no longer any document's
        self._blocks: dict[str, int] = {}  # document -> its block
        # _passage_layout's last answer, by (blocks, rows)
        self._layout: tuple[tuple[int, int], list[tuple[np.ndarray, np.ndarray]]] | None = None
        self.seq = 0  # the highest search_embeddings.seq applied

    def __len__(self) -> int:
        """Documents held."""
        return len(self._blocks)

    @property
    def rows(self) -> int:
        """Vectors scanned by a search (passages and replaced blocks included)."""
        return self._rows

    def apply(self, ids: list[str], embeddings: Sequence[np.ndarray], seq: int) -> None:
        """Insert or replace the embeddings of `ids` (read up to `seq`). An embedding of as
        many vectors as the one it replaces is overwritten in place; otherwise the old block
        is left unused (until the process restarts) and the new one appended."""
        appended: list[tuple[str, np.ndarray]] = []
        for cid, embedding in zip(ids, embeddings, strict=True):
            block = self._blocks.get(cid)
            if block is not None:
                start = int(self._starts[block])
                end = self._end(block)
                if end - start == len(embedding):
                    self._codes[start:end], self._scales[start:end] = scan.quantise(embedding)
                    continue
                self._owners[block] = None
                self._replaced[block] = True
                del self._blocks[cid]
            appended.append((cid, embedding))
        if appended:
            self._append(appended)
        self.seq = max(self.seq, seq)

    def _end(self, block: int) -> int:
        return int(self._starts[block + 1]) if block + 1 < len(self._starts) else self._rows

    def _append(self, blocks: list[tuple[str, np.ndarray]]) -> None:
        needed = self._rows + sum(len(e) for _, e in blocks)
        if needed > len(self._codes):
            capacity = max(needed, int(GROWTH * len(self._codes)), 1024)
            codes = np.zeros((capacity, DIMENSIONS), np.uint8)
            codes[: self._rows] = self._codes[: self._rows]
            scales = np.zeros(capacity, np.float32)
            scales[: self._rows] = self._scales[: self._rows]
            self._codes, self._scales = codes, scales
        starts: list[int] = []
        for cid, embedding in blocks:
            starts.append(self._rows)
            self._blocks[cid] = len(self._owners)
            self._owners.append(cid)
            rows = slice(self._rows, self._rows + len(embedding))
            self._codes[rows], self._scales[rows] = scan.quantise(embedding)
            self._rows += len(embedding)
        self._starts = np.concatenate([self._starts, np.array(starts, dtype=np.int64)])
        self._replaced = np.concatenate([self._replaced, np.zeros(len(starts), dtype=bool)])

    def nearest(self, query: np.ndarray, k: int, floor: float) -> list[Neighbour]:
        """The `k` documents most similar to `query` whose similarity is at least `floor`,
        best first. CPU-bound: ~2 ms for the 36k sample's 88k vectors here (probe.INLINE_ROWS
        says where it runs)."""
        # read in this order, each once: an update on the loop meanwhile (this may run in a
        # thread) sets the rows before the blocks' starts, and grows the arrays before both
        starts, owners, replaced = self._starts, self._owners, self._replaced
        codes, scales = self._codes, self._scales
        rows = min(self._rows, len(codes))
        starts = starts[starts < rows]
        if not len(starts) or k <= 0:
            return []
        cosines = scan.scanner().cosines(codes[:rows], scales[:rows], query)
        whole = cosines[starts]
        best = whole.copy()
        for blocks, passage_rows in self._passage_layout(starts, rows):
            best[blocks] = np.maximum(best[blocks], cosines[passage_rows])
        scores = WHOLE_WEIGHT * whole + (1 - WHOLE_WEIGHT) * best
        if len(self._blocks) < len(owners):  # replaced blocks never come back
            scores[replaced[: len(scores)]] = -np.inf
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        top = top[scores[top] >= floor]
        # plain Python numbers in one go: a thousand numpy scalars one by one cost a millisecond
        return [
            Neighbour(owner, similarity)
            for i, similarity in zip(top.tolist(), scores[top].tolist(), strict=True)
            if (owner := owners[i]) is not None
        ]

    def _passage_layout(self, starts: np.ndarray, rows: int) -> list[tuple[np.ndarray, np.ndarray]]:
        """For each j ≥ 1: the blocks with more than j vectors, and the row of their j-th
        passage. A block's best cosine is then a few vectorised maxima over gathered rows:
        ~0.3 ms for the sample's 88k vectors, against ~1 ms for np.maximum.reduceat (slow per
        segment). Kept until the blocks change."""
        key = (len(starts), rows)
        cached = self._layout
        if cached is not None and cached[0] == key:
            return cached[1]
        lengths = np.diff(np.append(starts, rows))
        layout = []
        for j in range(1, int(lengths.max(initial=1))):
            blocks = np.flatnonzero(lengths > j)
            layout.append((blocks, starts[blocks] + j))
        self._layout = (key, layout)
        return layout

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
