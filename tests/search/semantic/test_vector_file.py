"""The shipped vectors' file format: int8 per-vector-scaled, read back without pickle."""

from __future__ import annotations

import io

import numpy as np
import pytest

from mediamesh.search.semantic import vector_file
from mediamesh.search.semantic.model import DIMENSIONS, MODEL_ID
from mediamesh.search.semantic.text import text_hash


def test_vectors_come_back_unit_length_and_within_a_thousandth_of_their_direction() -> None:
    rng = np.random.default_rng(7)
    vectors = rng.normal(size=(50, DIMENSIONS)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    hashes = [text_hash(f"film {i}") for i in range(50)]
    buffer = io.BytesIO()

    vector_file.write(buffer, vector_file.quantise(MODEL_ID, hashes, vectors))
    buffer.seek(0)
    stored = vector_file.read(buffer)

    assert stored.model_id == MODEL_ID
    assert stored.hashes == hashes
    restored = stored.vectors([3, 0, 49])
    assert restored.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(restored, axis=1), 1.0, atol=1e-5)
    assert ((restored * vectors[[3, 0, 49]]).sum(axis=1) > 0.999).all()
    assert stored.vectors([]).shape == (0, DIMENSIONS)


def test_vectors_of_the_wrong_shape_are_refused() -> None:
    with pytest.raises(ValueError, match="expected"):
        vector_file.quantise(MODEL_ID, ["00" * 16], np.zeros((1, 3), dtype=np.float32))
