"""The in-process vector index: exact order by the blend of a document's whole-text and best
passage cosines, replacement, growth and paged refresh; its HNSW graph path answers as the
scan does. Pure (the reader is a stand-in of our own interface over a list)."""

from __future__ import annotations

import numpy as np
import pytest

from mediamesh.search.semantic import index as index_module
from mediamesh.search.semantic.index import REFRESH_PAGE, WHOLE_WEIGHT, VectorIndex
from mediamesh.search.semantic.model import DIMENSIONS


def _unit(seed: int) -> np.ndarray:
    vector = np.random.default_rng(seed).standard_normal(DIMENSIONS).astype(np.float32)
    return vector / np.linalg.norm(vector)


def _one(vector: np.ndarray) -> np.ndarray:
    """An embedding of one vector (a text too short for passages)."""
    return vector[np.newaxis, :]


def test_the_nearest_come_first_and_a_floor_cuts_the_rest() -> None:
    index = VectorIndex()
    query = _unit(0)
    near = (query + 0.5 * _unit(1)) / np.linalg.norm(query + 0.5 * _unit(1))
    index.apply(["far", "same", "near"], [_one(_unit(2)), _one(query), _one(near)], seq=3)
    found = index.nearest(query, k=3, floor=-1.0)
    assert [n.content_id for n in found] == ["same", "near", "far"]
    assert abs(found[0].similarity - 1.0) < 0.01  # int8 codes: within ~0.003
    assert [n.content_id for n in index.nearest(query, k=3, floor=0.5)] == ["same", "near"]
    assert [n.content_id for n in index.nearest(query, k=1, floor=-1.0)] == ["same"]
    assert index.seq == 3 and len(index) == 3 and index.rows == 3


def test_a_passage_near_the_query_finds_its_document() -> None:
    query = _unit(0)
    index = VectorIndex()
    # "told": the whole text is far, one of its passages says what the query asks
    told = np.stack([_unit(1), _unit(2), query])
    index.apply(["told", "other"], [told, np.stack([_unit(3), _unit(4)])], seq=2)
    found = index.nearest(query, k=2, floor=-1.0)
    assert [n.content_id for n in found] == ["told", "other"]
    expected = WHOLE_WEIGHT * float(_unit(1) @ query) + (1 - WHOLE_WEIGHT) * 1.0
    assert abs(found[0].similarity - expected) < 0.01


def test_the_whole_text_breaks_a_tie_of_passages() -> None:
    query = _unit(0)
    index = VectorIndex()
    # both have a passage equal to the query; "about" is about it as a whole as well
    about = np.stack([(query + _unit(1)) / np.linalg.norm(query + _unit(1)), query])
    aside = np.stack([_unit(2), query])
    index.apply(["aside", "about"], [aside, about], seq=2)
    assert [n.content_id for n in index.nearest(query, k=2, floor=-1.0)] == ["about", "aside"]


def test_a_new_embedding_replaces_the_old_one_of_the_same_document() -> None:
    index = VectorIndex()
    index.apply(["a", "b"], [_one(_unit(1)), _one(_unit(2))], seq=2)
    index.apply(["a"], [_one(_unit(5))], seq=7)  # as many vectors: overwritten in place
    assert len(index) == 2 and index.seq == 7 and index.rows == 2
    assert index.nearest(_unit(5), k=1, floor=-1.0)[0].content_id == "a"

    index.apply(["a"], [np.stack([_unit(6), _unit(7)])], seq=8)  # more: a new block
    assert len(index) == 2 and index.rows == 4
    found = index.nearest(_unit(5), k=5, floor=-1.0)
    assert sorted(n.content_id for n in found) == ["a", "b"]  # the old block never comes back
    assert index.nearest(_unit(7), k=1, floor=-1.0)[0].content_id == "a"


async def test_refresh_reads_page_after_page_from_the_last_seq() -> None:
    total = REFRESH_PAGE + 7  # more than one page, and the matrix must grow
    ids = [f"doc{i}" for i in range(total)]
    embeddings = [np.stack([_unit(i), _unit(total + i)]) for i in range(total)]
    asked: list[int] = []

    async def read(after_seq: int, limit: int) -> tuple[list[str], list[np.ndarray], int]:
        asked.append(after_seq)
        chunk = slice(after_seq, min(after_seq + limit, total))
        return ids[chunk], embeddings[chunk], min(after_seq + limit, total)

    index = VectorIndex()
    assert await index.refresh(read) == total
    assert asked == [0, REFRESH_PAGE]
    assert len(index) == total and index.seq == total and index.rows == 2 * total
    assert index.nearest(embeddings[-1][1], k=1, floor=-1.0)[0].content_id == ids[-1]
    assert await index.refresh(read) == 0  # nothing new


def test_every_document_is_scored_by_its_own_text_and_best_passage() -> None:
    rng = np.random.default_rng(11)
    sizes = rng.integers(1, 7, size=300)  # 1 to 6 vectors per document
    embeddings = [np.stack([_unit(1000 * d + j) for j in range(n)]) for d, n in enumerate(sizes)]
    ids = [f"d{d}" for d in range(len(sizes))]
    index = VectorIndex()
    index.apply(ids[:150], embeddings[:150], seq=1)
    index.apply(ids[150:], embeddings[150:], seq=2)  # a second batch: blocks appended
    query = _unit(5)

    found = {n.content_id: n.similarity for n in index.nearest(query, k=300, floor=-1.0)}

    assert set(found) == set(ids)
    for cid, embedding in zip(ids, embeddings, strict=True):
        cosines = embedding @ query
        expected = WHOLE_WEIGHT * cosines[0] + (1 - WHOLE_WEIGHT) * cosines.max()
        assert abs(found[cid] - expected) < 0.01, cid


def test_chosen_documents_are_scored_as_a_search_scores_them() -> None:
    ids, embeddings = _corpus(500, seed=31)
    index = VectorIndex()
    index.apply(ids[:300], embeddings[:300], seq=1)
    index.apply(ids[300:], embeddings[300:], seq=2)
    index.apply(["d7"], [embeddings[8]], seq=3)  # re-embedded: the new vectors count
    query = _unit(9)
    searched = {n.content_id: n.similarity for n in index.nearest(query, k=500, floor=-1.0)}

    chosen = ["d7", "d450", "unknown", "d3", "d299"]
    scored = index.similarities(query, chosen)

    assert [n.content_id for n in scored] == ["d7", "d450", "d3", "d299"]  # no vector: left out
    for n in scored:
        assert n.similarity == pytest.approx(searched[n.content_id], abs=1e-6)
    expected = embeddings[8] @ query
    assert scored[0].similarity == pytest.approx(
        WHOLE_WEIGHT * expected[0] + (1 - WHOLE_WEIGHT) * expected.max(), abs=0.01
    )
    assert index.similarities(query, []) == [] and VectorIndex().similarities(query, ["d1"]) == []


def _corpus(documents: int, seed: int) -> tuple[list[str], list[np.ndarray]]:
    """Documents of 1 to 4 random unit vectors each."""
    rng = np.random.default_rng(seed)
    sizes = rng.integers(1, 5, size=documents)
    vectors = rng.standard_normal((int(sizes.sum()), DIMENSIONS)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    ends = np.cumsum(sizes)
    embeddings = np.split(vectors, ends[:-1])
    return [f"d{d}" for d in range(documents)], embeddings


def _near(vector: np.ndarray, seed: int) -> np.ndarray:
    """`vector` moved a little (cosine ~0.95): a query for the document that holds it."""
    noise = np.random.default_rng(seed).standard_normal(DIMENSIONS).astype(np.float32)
    moved = vector + 0.33 * noise / np.linalg.norm(noise)
    return moved / np.linalg.norm(moved)


async def _grow(index: VectorIndex) -> None:
    while await index.grow_graph():
        pass


async def test_the_graph_answers_as_the_scan_does(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(index_module, "GRAPH_THREADS", 1)  # one thread: the same graph each run
    ids, embeddings = _corpus(3000, seed=21)
    scanned, graphed = VectorIndex(), VectorIndex(graph_min_rows=1)
    for index in (scanned, graphed):
        index.apply(ids, embeddings, seq=1)
    assert not graphed.by_graph  # built in the background, not on apply
    await _grow(graphed)
    assert graphed.by_graph and graphed.graph_rows == graphed.rows == scanned.rows
    assert not scanned.by_graph and scanned.graph_rows == 0
    # the graph answers when it proposes under a hundredth of the rows; else a scan is cheaper
    assert graphed.searches_graph(10) and not graphed.searches_graph(5_000)
    assert not scanned.searches_graph(10)

    rng = np.random.default_rng(5)
    for d in rng.choice(len(ids), size=40, replace=False).tolist():
        # a passage or a whole text, moved a little: its document is by far the nearest
        target = embeddings[d][int(rng.integers(len(embeddings[d])))]
        query = _near(target, seed=d)
        by_scan = scanned.nearest(query, k=10, floor=-1.0)
        by_graph = graphed.nearest(query, k=10, floor=-1.0)
        assert by_graph[0].content_id == by_scan[0].content_id == ids[d]
        # the graph's candidates are scored exactly: the same blend of the same codes
        assert abs(by_graph[0].similarity - by_scan[0].similarity) < 0.01


async def test_the_graph_path_sees_rows_not_in_the_graph_yet_and_overwritten_ones(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(index_module, "GRAPH_THREADS", 1)
    ids, embeddings = _corpus(500, seed=22)
    index = VectorIndex(graph_min_rows=1)
    index.apply(ids, embeddings, seq=1)
    await _grow(index)
    built = index.graph_rows

    # a new document, not in the graph yet: scored as part of the tail
    fresh = _unit(777)
    index.apply(["fresh"], [_one(fresh)], seq=2)
    assert index.by_graph and index.graph_rows == built
    assert index.nearest(_near(fresh, 1), k=3, floor=-1.0)[0].content_id == "fresh"

    # d7 re-embedded with as many vectors: overwritten in place, in the graph only after a step
    moved = np.stack([_unit(800 + j) for j in range(len(embeddings[7]))])
    index.apply(["d7"], [moved], seq=3)
    await _grow(index)
    assert index.graph_rows == index.rows
    found = index.nearest(_near(moved[0], 2), k=3, floor=-1.0)
    assert found[0].content_id == "d7"
    # its old vectors no longer find it
    old = index.nearest(_near(embeddings[7][0], 3), k=600, floor=-1.0)
    assert {n.content_id: n.similarity for n in old}.get("d7", -1.0) < 0.5

    # d9 re-embedded with more vectors: a new block; the old one never comes back
    index.apply(
        ["d9"], [np.stack([_unit(901), _unit(902), _unit(903), _unit(904), _unit(905)])], seq=4
    )
    found = index.nearest(_near(embeddings[9][0], 4), k=20, floor=-1.0)
    assert "d9" not in {n.content_id for n in found[:1]}
    assert index.nearest(_near(_unit(903), 5), k=1, floor=-1.0)[0].content_id == "d9"


async def test_no_graph_below_its_size_or_when_turned_off() -> None:
    ids, embeddings = _corpus(50, seed=23)
    small, off = VectorIndex(graph_min_rows=10_000), VectorIndex(graph_min_rows=0)
    for index in (small, off):
        index.apply(ids, embeddings, seq=1)
        assert not await index.grow_graph()
        assert index.graph_rows == 0 and not index.by_graph
        assert index.nearest(_near(embeddings[3][0], 1), k=1, floor=-1.0)[0].content_id == "d3"
