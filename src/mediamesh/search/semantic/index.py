"""The in-process vector index: every document embedding of PostgreSQL's search_embeddings
(the whole text's vector and its passages'), held as int8 codes (scan.py), kept fresh by
reading the rows written since the last read (their `seq`).

A query's nearest documents come from one of two paths, with the same scores:
- **a scan** of every vector (brute force): ~2 ms for the 36k sample's 88k vectors, misses
  nothing (int8 cosines are within ~0.003 of float32's), needs no build step, and a new
  vector is searchable as soon as it is read. It grows linearly: ~7 ms at 240k vectors (100k
  documents), ~150 ms at 2.5M (1M documents);
- **an HNSW graph** (graph.py) once the index holds `graph_min_rows` vectors: it proposes
  the rows nearest to the query, and their documents are scored exactly from the codes (the
  whole text and every passage), the same blend as the scan. Each process builds it in the
  background from its own codes; until it holds all but GRAPH_TAIL_ROWS of them, the scan
  answers, and the rows it does not hold yet are scored with the graph's proposals.

For a fleet and millions of documents the production path is an engine that indexes the
vectors itself (docs/SEARCH.md, "Vectors at scale": pgvector's HNSW on RDS/Aurora,
OpenSearch k-NN).

Deleted documents keep their rows here until the process restarts: the search statement
joins every candidate with the live documents, so they are never served; they only take
a candidate slot.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from mediamesh.resilience.periodic import raise_if_cancelled, repeat
from mediamesh.search.semantic import scan, vector_file
from mediamesh.search.semantic.graph import VectorGraph
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
# The graph path: rows proposed per document asked for (a document's passages are often
# near each other), at most GRAPH_MAX_ROWS (a filtered query asks for 5,000 documents). At
# 305k vectors, 500 documents: 2 rows each took 5.9 ms and held 0.976 of the scan's top 100,
# 3 took 7.9 ms for 0.981. A search of the graph costs ~3 µs per proposed row, a scan ~0.03
# µs per row: the graph answers only when it proposes fewer than a GRAPH_SCAN_RATIO-th of
# the rows (at 100k documents a filtered query's 6,000 rows took 30 ms in the graph, ~9 in
# a scan). It answers once at most GRAPH_TAIL_ROWS rows are not in it yet (each scored
# exactly); it grows by GRAPH_CHUNK rows per step on GRAPH_THREADS threads (~0.7 s here),
# and by GRAPH_ANSWERING_CHUNK once searches use it (a step holds the lock a search waits
# for).
GRAPH_ROWS_PER_DOCUMENT = 2
GRAPH_MAX_ROWS = 6_000
GRAPH_SCAN_RATIO = 100
GRAPH_TAIL_ROWS = 8_192
GRAPH_CHUNK = 8_192
GRAPH_ANSWERING_CHUNK = 512
GRAPH_THREADS = min(2, os.cpu_count() or 1)


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

    def __init__(self, graph_min_rows: int = 0) -> None:
        """`graph_min_rows`: from how many vectors a graph is built and searched (0: never,
        always a scan)."""
        self._graph_min_rows = graph_min_rows
        self._graph: VectorGraph | None = None
        self._overwritten: list[np.ndarray] = []  # rows overwritten since the graph took them
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

    @property
    def graph_rows(self) -> int:
        """Vectors in the graph (0: none built)."""
        return 0 if self._graph is None else self._graph.rows

    @property
    def by_graph(self) -> bool:
        """Whether a search takes the graph path (cheap: a few milliseconds at any size)."""
        return self._answering_graph(self._rows) is not None

    def searches_graph(self, k: int) -> bool:
        """Whether a search for `k` documents now takes the graph path rather than a scan."""
        return self._graph_for(self._rows, k) is not None

    def _graph_for(self, rows: int, k: int) -> VectorGraph | None:
        """The graph, if it answers a search for `k` documents among `rows` rows: it holds
        nearly all of them and proposing rows for `k` is cheaper than a scan."""
        graph = self._answering_graph(rows)
        if graph is None or _graph_rows(graph.rows, k) * GRAPH_SCAN_RATIO >= rows:
            return None
        return graph

    def _answering_graph(self, rows: int) -> VectorGraph | None:
        """The graph, if it holds all but at most GRAPH_TAIL_ROWS of the index's `rows`."""
        graph = self._graph
        if graph is None or graph.rows == 0 or rows - graph.rows > GRAPH_TAIL_ROWS:
            return None
        return graph

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
                    if self._graph is not None:
                        self._overwritten.append(np.arange(start, end, dtype=np.int64))
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
        best first. CPU-bound: a scan takes ~2 ms for the 36k sample's 88k vectors here, the
        graph ~2-5 ms at any size (probe.py says where it runs)."""
        # read in this order, each once: an update on the loop meanwhile (this may run in a
        # thread) sets the rows before the blocks' starts, and grows the arrays before both
        starts, owners, replaced = self._starts, self._owners, self._replaced
        codes, scales = self._codes, self._scales
        rows = min(self._rows, len(codes))
        starts = starts[starts < rows]
        if not len(starts) or k <= 0:
            return []
        graph = self._graph_for(rows, k)
        if graph is not None:
            scores, blocks = self._by_graph(graph, query, k, starts, rows, codes, scales)
        else:
            scores, blocks = self._by_scan(query, starts, rows, codes, scales)
        if not len(scores):
            return []
        if len(self._blocks) < len(owners):  # replaced blocks never come back
            gone = np.zeros(len(blocks), dtype=bool)
            held = blocks < len(replaced)  # (a block appended since `replaced` was read: live)
            gone[held] = replaced[blocks[held]]
            scores[gone] = -np.inf
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        top = top[scores[top] >= floor]
        # plain Python numbers in one go: a thousand numpy scalars one by one cost a millisecond
        return [
            Neighbour(owner, similarity)
            for i, similarity in zip(blocks[top].tolist(), scores[top].tolist(), strict=True)
            if (owner := owners[i]) is not None
        ]

    def _by_scan(
        self,
        query: np.ndarray,
        starts: npt.NDArray[np.int64],
        rows: int,
        codes: scan.Codes,
        scales: npt.NDArray[np.float32],
    ) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.int64]]:
        """Every block's similarity (and the blocks: all of them), from a scan of every row."""
        cosines = scan.scanner().cosines(codes[:rows], scales[:rows], query)
        whole = cosines[starts]
        best = whole.copy()
        for blocks, passage_rows in self._passage_layout(starts, rows):
            best[blocks] = np.maximum(best[blocks], cosines[passage_rows])
        scores = WHOLE_WEIGHT * whole + (1 - WHOLE_WEIGHT) * best
        return scores, np.arange(len(starts), dtype=np.int64)

    @staticmethod
    def _by_graph(
        graph: VectorGraph,
        query: np.ndarray,
        k: int,
        starts: npt.NDArray[np.int64],
        rows: int,
        codes: scan.Codes,
        scales: npt.NDArray[np.float32],
    ) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.int64]]:
        """The similarity of the blocks of the rows the graph proposes and of the rows not in
        it yet, each block scored exactly from all of its rows."""
        [query_codes], _ = vector_file.int8_rows(query[np.newaxis, :])
        held = graph.rows  # read once: an addition in another thread may raise it meanwhile
        proposed = graph.nearest_rows(query_codes, _graph_rows(held, k))
        proposed = proposed[proposed < rows]
        tail = np.arange(min(held, rows), rows, dtype=np.int64)
        candidates = np.concatenate([proposed, tail])
        blocks = np.unique(np.searchsorted(starts, candidates, side="right") - 1)
        return _scored(blocks, query, starts, rows, codes, scales), blocks

    def similarities(self, query: np.ndarray, content_ids: Sequence[str]) -> list[Neighbour]:
        """The similarity of each of `content_ids` that has a vector (the others are left
        out), scored exactly as a search scores it. Cheap: the rows of these documents only
        (~0.2 ms for a thousand)."""
        starts, owners, blocks_of = self._starts, self._owners, self._blocks
        codes, scales = self._codes, self._scales
        rows = min(self._rows, len(codes))
        starts = starts[starts < rows]
        held = len(starts)  # (a block appended since `starts` was read is left out)
        blocks = np.array(
            [b for cid in content_ids if (b := blocks_of.get(cid, held)) < held], dtype=np.int64
        )
        if not len(blocks):
            return []
        scores = _scored(blocks, query, starts, rows, codes, scales)
        return [
            Neighbour(owner, similarity)
            for b, similarity in zip(blocks.tolist(), scores.tolist(), strict=True)
            if (owner := owners[b]) is not None
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

    async def grow_graph(self) -> bool:
        """One step of the graph's upkeep, in worker threads: build it once the index is large
        enough, add a chunk of the rows it does not hold yet, re-add a chunk of the rows
        overwritten since (a document re-embedded with as many vectors; a new model re-embeds
        them all). Returns whether there was anything to do."""
        if self._graph_min_rows <= 0 or (self._graph is None and self._rows < self._graph_min_rows):
            return False
        if self._graph is None:
            self._graph = VectorGraph()
        graph = self._graph
        size = GRAPH_ANSWERING_CHUNK if self.by_graph else GRAPH_CHUNK
        added = min(self._rows - graph.rows, size)
        if added > 0:
            # a copy, taken on the loop: an update may grow or overwrite the arrays meanwhile
            chunk = scan.unshifted(self._codes[graph.rows : graph.rows + added])
            await asyncio.to_thread(graph.extend, chunk, GRAPH_THREADS)
        changed = self._take_overwritten(size, below=graph.rows)
        if len(changed):
            await asyncio.to_thread(graph.replace, changed, scan.unshifted(self._codes[changed]))
        return added > 0 or len(changed) > 0

    def _take_overwritten(self, size: int, below: int) -> npt.NDArray[np.int64]:
        """Up to `size` of the rows overwritten since the graph took them, of those it holds
        (`below`: the others will be added with their new codes)."""
        if not self._overwritten:
            return np.zeros(0, dtype=np.int64)
        rows = np.unique(np.concatenate(self._overwritten))
        rows = rows[rows < below]
        self._overwritten = [rows[size:]] if len(rows) > size else []
        return rows[:size]


def _scored(
    blocks: npt.NDArray[np.int64],
    query: np.ndarray,
    starts: npt.NDArray[np.int64],
    rows: int,
    codes: scan.Codes,
    scales: npt.NDArray[np.float32],
) -> npt.NDArray[np.float32]:
    """The similarity of each of `blocks` from all of its rows: the
    blend of its whole text's cosine and its best one."""
    firsts = starts[blocks]
    ends = np.append(starts, rows)[blocks + 1]
    lengths = ends - firsts
    offsets = np.zeros(len(blocks), dtype=np.int64)
    np.cumsum(lengths[:-1], out=offsets[1:])
    # the rows of every block, block after block
    gathered = np.repeat(firsts - offsets, lengths) + np.arange(int(lengths.sum()))
    cosines = scan.scanner().cosines(codes[gathered], scales[gathered], query)
    whole = cosines[offsets]
    best = np.maximum.reduceat(cosines, offsets)
    scores = WHOLE_WEIGHT * whole + (1 - WHOLE_WEIGHT) * best
    return scores.astype(np.float32, copy=False)


def _graph_rows(held: int, documents: int) -> int:
    """How many rows the graph proposes for `documents` documents, of the `held` it holds."""
    return min(held, documents * GRAPH_ROWS_PER_DOCUMENT, GRAPH_MAX_ROWS)


async def keep_graph(index: VectorIndex, every: float) -> None:
    """Build and extend `index`'s graph (when it is large enough) until cancelled: step after
    step while there is work, then every `every` seconds."""
    while True:
        raise_if_cancelled()  # a cancellation a library swallowed still stops it
        if not await index.grow_graph():
            await asyncio.sleep(every)


async def keep_fresh(index: VectorIndex, read: VectorReader, every: float) -> None:
    """Refresh `index` every `every` seconds until cancelled; a failed read is retried at the
    next tick (the index only lags: search stays lexical for what it does not hold yet)."""
    await repeat(lambda: index.refresh(read), every, "vector index refresh")
