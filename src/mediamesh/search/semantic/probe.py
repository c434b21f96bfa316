"""A query's nearest documents by meaning: its embedding (cached per process: a search box
sees the same queries again and again) against the in-process vector index."""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Callable
from threading import Lock

import numpy as np

from mediamesh.search.semantic.index import Neighbour, VectorIndex
from mediamesh.search.semantic.model import embedder
from mediamesh.settings import Settings

CACHED_QUERIES = 4_096

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
        """The `k` documents nearest to `text` with a cosine of at least `floor`. Runs the
        model and the scan in a worker thread: the event loop keeps serving."""
        return await asyncio.to_thread(self._nearest, text, k, floor)

    def _nearest(self, text: str, k: int, floor: float) -> list[Neighbour]:
        return self.index.nearest(self.vector(text), k, floor)

    def vector(self, text: str) -> np.ndarray:
        with self._lock:
            found = self._vectors.get(text)
            if found is not None:
                self._vectors.move_to_end(text)
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
    return QueryMeaning(VectorIndex(), lambda text: embedder().embed_query(text))
