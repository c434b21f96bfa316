"""The shipped embeddings' file format: int8 per-vector-scaled, each text's vectors together,
read back without pickle."""

from __future__ import annotations

import io

import numpy as np
import pytest

from mediamesh.search.semantic import vector_file
from mediamesh.search.semantic.model import DIMENSIONS
from mediamesh.search.semantic.text import EMBEDDING_ID, text_hash


def _units(rng: np.random.Generator, n: int) -> np.ndarray:
    vectors = rng.normal(size=(n, DIMENSIONS)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_embeddings_come_back_whole_unit_length_and_within_a_thousandth() -> None:
    rng = np.random.default_rng(7)
    embeddings = [_units(rng, 1 + i % 4) for i in range(50)]  # 1 to 4 vectors each
    hashes = [text_hash(f"film {i}") for i in range(50)]
    buffer = io.BytesIO()

    vector_file.write(buffer, vector_file.quantise(EMBEDDING_ID, hashes, embeddings))
    buffer.seek(0)
    stored = vector_file.read(buffer)

    assert stored.model_id == EMBEDDING_ID
    assert stored.hashes == hashes
    restored = stored.embeddings([3, 0, 49])
    for got, index in zip(restored, [3, 0, 49], strict=True):
        assert got.dtype == np.float32 and got.shape == embeddings[index].shape
        np.testing.assert_allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)
        assert ((got * embeddings[index]).sum(axis=1) > 0.999).all()
    assert stored.embeddings([]) == []


def test_embeddings_of_the_wrong_shape_are_refused() -> None:
    with pytest.raises(ValueError, match="embedding"):
        vector_file.quantise(EMBEDDING_ID, ["00" * 16], [np.zeros((1, 3), dtype=np.float32)])
    with pytest.raises(ValueError, match="expected"):
        vector_file.quantise(EMBEDDING_ID, ["00" * 16], [])
