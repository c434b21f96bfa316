"""A query's nearest documents by meaning: its embedding (cached per process: a search box
sees the same queries again and again) against the in-process vector index."""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Callable, Sequence
from threading import Lock

import numpy as np

from mediamesh.search.semantic.index import Neighbour, VectorIndex
from mediamesh.search.semantic.model import embedder
from mediamesh.settings import Settings

CACHED_QUERIES = 4_096
# A query's vector already computed and an index of at most this many vectors (passages
# included): the scan runs on the event loop (~2-3 ms for the 36k sample's 88k vectors
# here, int8 on two threads; the loop waits). Handed to a worker thread it cost more: the thread holds the GIL between
# numpy's calls, and the loop, woken by PostgreSQL's answers meanwhile, waited for it up to
# the interpreter's switch interval (5 ms). Over HTTP, sequential (bench/search_quality.py
# --http, three runs each, back to back, one vector per document then): named p95 18.4-18.8
# ms in a thread, 15.9-18.9 on the loop; described 22.6-26.7 against 21.2-24.3. A larger
# index (~9.5 ms at 100k documents) would hold the loop too long: a thread then, unless its
# graph answers (2-5 ms at any size, index.py). A query's first run embeds it in a thread
# (the model: 5-9 ms) and searches there too.
INLINE_ROWS = 100_000

Embed = Callable[[str], np.ndarray]


class QueryMeaning:
    def __init__(self, index: VectorIndex, embed: Embed, cached: int = CACHED_QUERIES) -> None:
        self.index = index
        self._embed = embed
        self._cached = cached
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = Lock()  # the cache is used from worker threads

    @property
    def ready(self) -> bool:
        """Whether any document has a vector yet (else a search stays lexical)."""
        return len(self.index) > 0

    async def nearest(self, text: str, k: int, floor: float) -> list[Neighbour]:
        """The `k` documents nearest to `text` with a cosine of at least `floor`. A query
        seen before is searched on the event loop while the index holds at most INLINE_ROWS
        vectors or its graph answers; otherwise the model and the search run in a worker
        thread (the loop keeps serving)."""
        vector = self._remembered(text)
        if vector is not None and (self.index.rows <= INLINE_ROWS or self.index.searches_graph(k)):
            return self.index.nearest(vector, k, floor)
        return await asyncio.to_thread(self._nearest, text, k, floor)

    def similarities(self, text: str, content_ids: Sequence[str]) -> list[Neighbour]:
        """The similarity of each of `content_ids` that has a vector, to `text`, whose vector
        `nearest` computed (else none: only a query searched by meaning is scored). On the
        loop: the rows of these documents only."""
        vector = self._remembered(text)
        if vector is None or not content_ids:
            return []
        return self.index.similarities(vector, content_ids)

    def _nearest(self, text: str, k: int, floor: float) -> list[Neighbour]:
        return self.index.nearest(self.vector(text), k, floor)

    def _remembered(self, text: str) -> np.ndarray | None:
        with self._lock:
            found = self._vectors.get(text)
            if found is not None:
                self._vectors.move_to_end(text)
            return found

    def vector(self, text: str) -> np.ndarray:
        found = self._remembered(text)
        if found is not None:
            return found
        vector = self._embed(text)
        with self._lock:
            self._vectors[text] = vector
            while len(self._vectors) > self._cached:
                self._vectors.popitem(last=False)
        return vector


def for_settings(settings: Settings) -> QueryMeaning | None:
    """An empty index and the process's model (loaded on first use), or None when
    SEARCH_SEMANTIC_ENABLED=false. The search runtime fills the index and keeps it fresh."""
    if not settings.search_semantic_enabled:
        return None
    index = VectorIndex(settings.search_vector_graph_min_vectors)
    return QueryMeaning(index, lambda text: embedder().embed_query(text))
