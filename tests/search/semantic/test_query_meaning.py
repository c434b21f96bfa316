"""A query's nearest documents by meaning: its embedding computed once per process, and where
the scan runs (search/semantic/probe.py). Pure: the model is a stand-in of our own interface
(text → unit vector), the index the real in-process one."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from mediamesh.search.semantic import probe
from mediamesh.search.semantic.index import VectorIndex
from mediamesh.search.semantic.model import DIMENSIONS
from mediamesh.search.semantic.probe import QueryMeaning


def _unit(seed: int) -> np.ndarray:
    vector = np.random.default_rng(seed).standard_normal(DIMENSIONS).astype(np.float32)
    return vector / np.linalg.norm(vector)


class Model:
    """Embeds "doc-N" as document N's vector; records which threads it ran on."""

    def __init__(self) -> None:
        self.threads: list[int] = []

    def __call__(self, text: str) -> np.ndarray:
        self.threads.append(threading.get_ident())
        return _unit(int(text.removeprefix("doc-")))


def _meaning(model: Model) -> QueryMeaning:
    index = VectorIndex()
    index.apply([f"doc-{i}" for i in range(5)], [_unit(i)[np.newaxis, :] for i in range(5)], seq=5)
    return QueryMeaning(index, model)


def _counting_threads(monkeypatch: pytest.MonkeyPatch) -> list[Callable[..., Any]]:
    handed: list[Callable[..., Any]] = []
    to_thread = asyncio.to_thread

    async def counted(function: Callable[..., Any], /, *args: Any) -> Any:
        handed.append(function)
        return await to_thread(function, *args)

    monkeypatch.setattr(probe.asyncio, "to_thread", counted)
    return handed


async def test_a_query_is_embedded_once_in_a_thread_then_scanned_on_the_loop(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    handed = _counting_threads(monkeypatch)
    model = Model()
    meaning = _meaning(model)
    first = await meaning.nearest("doc-3", 2, -1.0)
    assert first[0].content_id == "doc-3" and len(first) == 2
    assert len(handed) == 1 and model.threads[0] != threading.get_ident()  # model: a thread
    again = await meaning.nearest("doc-3", 2, -1.0)
    assert again == first
    assert len(handed) == 1 and len(model.threads) == 1  # remembered, and scanned on the loop


async def test_a_large_index_is_scanned_in_a_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    handed = _counting_threads(monkeypatch)
    monkeypatch.setattr(probe, "INLINE_ROWS", 4)  # the index holds 5
    meaning = _meaning(Model())
    first = await meaning.nearest("doc-1", 1, -1.0)
    again = await meaning.nearest("doc-1", 1, -1.0)
    assert [n.content_id for n in first] == [n.content_id for n in again] == ["doc-1"]
    assert len(handed) == 2


def test_the_remembered_queries_are_bounded() -> None:
    model = Model()
    meaning = QueryMeaning(VectorIndex(), model, cached=2)
    for text in ("doc-1", "doc-2", "doc-1", "doc-3", "doc-1"):
        meaning.vector(text)
    assert len(model.threads) == 3  # doc-1 stayed (used last), doc-2 was dropped
    meaning.vector("doc-2")
    assert len(model.threads) == 4
