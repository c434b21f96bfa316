"""How embeddings are stored (search/semantic/codec.py): int8 codes with a scale per vector,
and the float32 rows written before still read. Pure: no database."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from mediamesh.errors import MediaMeshError
from mediamesh.search.semantic import codec
from mediamesh.search.semantic.model import DIMENSIONS
from mediamesh.search.semantic.scan import quantise
from tests.search.semantic.embedding_support import random_units

RNG = np.random.default_rng(7)


def unit(vectors: int) -> np.ndarray:
    return random_units(RNG, vectors)


@pytest.mark.parametrize("vectors", [1, 2, 7])
def test_an_embedding_is_a_quarter_of_float32_and_keeps_its_direction(vectors: int) -> None:
    embedding = unit(vectors)
    blob = codec.encode(embedding)
    assert len(blob) == 1 + (4 + DIMENSIONS) * vectors  # float32: 4 * DIMENSIONS a vector
    back = codec.decode(blob)
    assert back.shape == (vectors, DIMENSIONS) and back.dtype == np.float32
    cosines = (back * embedding).sum(axis=1) / np.linalg.norm(back, axis=1)
    assert cosines.min() > 0.9999


def test_storing_again_what_was_read_changes_nothing() -> None:
    """Copies of a known vector, a compaction and the vector index's own quantisation all
    quantise a decoded embedding again: the same bytes, the same codes."""
    for _ in range(200):
        embedding = unit(int(RNG.integers(1, 5)))
        blob = codec.encode(embedding)
        assert codec.encode(codec.decode(blob)) == blob
        codes, _ = quantise(codec.decode(blob))
        assert np.array_equal(codes, quantise(embedding)[0])


def test_float32_rows_written_before_are_read_as_they_were() -> None:
    embedding = unit(3)
    old = embedding.astype("<f4").tobytes()
    assert len(old) % 2 == 0 and len(codec.encode(embedding)) % 2 == 1
    assert np.array_equal(codec.decode(old), embedding)


def test_float32_written_back_for_a_rollback_holds_the_same_vectors() -> None:
    """`compact --float32` writes what a release before the int8 form reads (DIMENSIONS
    little-endian float32 values a vector); compacting it again gives the same int8 bytes."""
    for _ in range(50):
        blob = codec.encode(unit(int(RNG.integers(1, 5))))
        wide = codec.encode_float32(codec.decode(blob))
        vectors = len(wide) // (4 * DIMENSIONS)
        assert len(wide) == 4 * DIMENSIONS * vectors
        old_release = np.frombuffer(wide, dtype="<f4").reshape(vectors, DIMENSIONS)
        assert np.array_equal(old_release, codec.decode(blob))
        assert codec.encode(codec.decode(wide)) == blob


@pytest.mark.parametrize(
    "blob",
    [
        b"",
        b"\x01",  # no vector
        bytes([codec.INT8_VERSION]) + bytes(4 + DIMENSIONS - 2),  # not whole vectors
        bytes([9]) + bytes(4 + DIMENSIONS),  # an unknown version
        bytes(4 * DIMENSIONS - 4),  # float32, not whole vectors
    ],
)
def test_a_damaged_row_is_an_error_not_a_vector(blob: bytes) -> None:
    with pytest.raises(MediaMeshError):
        codec.decode(blob)


@pytest.mark.parametrize("encode", [codec.encode, codec.encode_float32])
def test_an_embedding_of_the_wrong_shape_is_refused(encode: Callable[[np.ndarray], bytes]) -> None:
    with pytest.raises(ValueError):
        encode(np.zeros((1, DIMENSIONS - 1), np.float32))
