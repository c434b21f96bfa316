"""The in-process vector index: exact cosine order, replacement, growth and paged refresh.
Pure (the reader is a stand-in of our own interface over a list)."""

from __future__ import annotations

import numpy as np

from mediamesh.search.semantic.index import REFRESH_PAGE, VectorIndex
from mediamesh.search.semantic.model import DIMENSIONS


def _unit(seed: int) -> np.ndarray:
    vector = np.random.default_rng(seed).standard_normal(DIMENSIONS).astype(np.float32)
    return vector / np.linalg.norm(vector)


def test_the_nearest_come_first_and_a_floor_cuts_the_rest() -> None:
    index = VectorIndex()
    query = _unit(0)
    near = (query + 0.1 * _unit(1)) / np.linalg.norm(query + 0.1 * _unit(1))
    index.apply(["far", "same", "near"], np.stack([_unit(2), query, near]), seq=3)
    found = index.nearest(query, k=3, floor=-1.0)
    assert [n.content_id for n in found] == ["same", "near", "far"]
    assert abs(found[0].similarity - 1.0) < 1e-5
    assert [n.content_id for n in index.nearest(query, k=3, floor=0.5)] == ["same", "near"]
    assert [n.content_id for n in index.nearest(query, k=1, floor=-1.0)] == ["same"]
    assert index.seq == 3


def test_a_new_vector_replaces_the_old_one_of_the_same_document() -> None:
    index = VectorIndex()
    index.apply(["a", "b"], np.stack([_unit(1), _unit(2)]), seq=2)
    index.apply(["a"], _unit(5)[None, :], seq=7)
    assert len(index) == 2 and index.seq == 7
    assert index.nearest(_unit(5), k=1, floor=-1.0)[0].content_id == "a"


async def test_refresh_reads_page_after_page_from_the_last_seq() -> None:
    total = REFRESH_PAGE + 7  # more than one page, and the matrix must grow
    ids = [f"doc{i}" for i in range(total)]
    vectors = np.stack([_unit(i) for i in range(total)])
    asked: list[int] = []

    async def read(after_seq: int, limit: int) -> tuple[list[str], np.ndarray, int]:
        asked.append(after_seq)
        chunk = slice(after_seq, min(after_seq + limit, total))
        return ids[chunk], vectors[chunk], min(after_seq + limit, total)

    index = VectorIndex()
    assert await index.refresh(read) == total
    assert asked == [0, REFRESH_PAGE]
    assert len(index) == total and index.seq == total
    assert index.nearest(vectors[-1], k=1, floor=-1.0)[0].content_id == ids[-1]
    assert await index.refresh(read) == 0  # nothing new
