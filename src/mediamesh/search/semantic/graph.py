"""An approximate nearest-neighbour graph (HNSW, usearch) over the vector index's rows: what
a large index searches instead of scanning every vector.

A scan reads every code for each query: ~7 ms for 240k vectors (100k documents with their
passages) and ~150 ms for 2.5M (1M documents), memory-bound. The graph finds the nearest
thousand of 2.5M vectors in ~2 ms with ~0.98 of the true nearest 50 (measured: docs/SEARCH.md,
"Which index, measured"). It is built by each process in the background from its index's
codes (~11k vectors/s on two cores here: 20 s for 240k, 220 s for 2.5M), extended as vectors
arrive, and used once it holds nearly every row (index.py).

Keys are the index's row numbers; vectors are its int8 codes, unscaled: a cosine ignores each
vector's scale, so the graph's distances are exactly the codes' cosines. One lock serialises
additions and searches (usearch's per-thread search contexts are not safe for two Python
callers at once); an addition holds it for one chunk at most.
"""

from __future__ import annotations

import threading
from typing import Final

import numpy as np
import numpy.typing as npt
from usearch.index import Index

from mediamesh.search.semantic.model import DIMENSIONS

# HNSW parameters: 16 links per node and a 64-wide search while adding (usearch's defaults
# are 16 / 128: half the build time here for the same recall on our vectors)
CONNECTIVITY: Final = 16
EXPANSION_ADD: Final = 64
# a search explores at least this many nodes, and as many as it is asked for
EXPANSION_SEARCH: Final = 64


class VectorGraph:
    """The graph of rows [0, rows) of an index, each added once (a row overwritten in the
    index is added again with its new codes)."""

    def __init__(self) -> None:
        self._index = Index(
            ndim=DIMENSIONS,
            metric="cos",
            dtype="i8",
            connectivity=CONNECTIVITY,
            expansion_add=EXPANSION_ADD,
            expansion_search=EXPANSION_SEARCH,
        )
        self._lock = threading.Lock()
        self.rows = 0  # rows [0, rows) are in the graph

    def extend(self, codes: npt.NDArray[np.int8], threads: int) -> None:
        """Add the next len(codes) rows (their int8 codes, unshifted). Blocking: run it in a
        worker thread (usearch releases the GIL)."""
        keys = np.arange(self.rows, self.rows + len(codes), dtype=np.uint64)
        with self._lock:
            self._index.add(keys, codes, threads=threads)
            self.rows += len(codes)

    def replace(self, rows: npt.NDArray[np.int64], codes: npt.NDArray[np.int8]) -> None:
        """Rows already in the graph whose codes changed (a document re-embedded in place)."""
        keys = rows.astype(np.uint64)
        with self._lock:
            self._index.remove(keys)
            self._index.add(keys, codes, threads=1)

    def nearest_rows(self, query: npt.NDArray[np.int8], count: int) -> npt.NDArray[np.int64]:
        """About the `count` rows nearest to `query` (its int8 codes), nearest first."""
        with self._lock:
            # (usearch's stub declares the setter after another property: mypy misses it)
            self._index.expansion_search = max(EXPANSION_SEARCH, count)  # type: ignore[misc]
            found = self._index.search(query, count, threads=1)
        rows: npt.NDArray[np.int64] = found.keys.astype(np.int64)
        return rows
