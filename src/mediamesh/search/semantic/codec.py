"""How a document's embedding is stored in PostgreSQL (`search_embeddings.vector`, bytea): its
vectors (the whole text's, then each passage's: text.passages) as float32 values,
little-endian, one vector after the other — the only place that knows it.

Raw bytes rather than `real[]`: a vector is 1,536 bytes instead of ~1,560 with the array
header and per-value checks, and numpy reads it without a copy per value (`frombuffer`).
A row of one vector (before passages) reads as an embedding of one vector.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from mediamesh.errors import MediaMeshError
from mediamesh.search.semantic.model import DIMENSIONS, Vectors

_FLOAT32_LE = np.dtype("<f4")
_WIDTH = DIMENSIONS * _FLOAT32_LE.itemsize


def encode(embedding: Vectors) -> bytes:
    """The bytes of an embedding: (n, DIMENSIONS) vectors, n ≥ 1."""
    values = np.asarray(embedding, dtype=_FLOAT32_LE)
    if values.ndim != 2 or values.shape[0] < 1 or values.shape[1] != DIMENSIONS:
        raise ValueError(f"an embedding is (n ≥ 1, {DIMENSIONS}) values, got {values.shape}")
    return values.tobytes()


def decode(blob: bytes) -> Vectors:
    """One embedding (n, DIMENSIONS) float32, native byte order. Raises MediaMeshError when
    the bytes are not whole vectors of DIMENSIONS float32 values (rows are read for the
    current embedding only, so that means a damaged row)."""
    if not blob or len(blob) % _WIDTH:
        raise MediaMeshError(
            f"a stored embedding is not whole vectors of {DIMENSIONS} float32 values "
            f"({len(blob)} bytes)"
        )
    rows = np.frombuffer(blob, dtype=_FLOAT32_LE).reshape(-1, DIMENSIONS)
    return rows.astype(np.float32)  # native order, and writable (frombuffer's is read-only)


def decode_all(blobs: Sequence[bytes]) -> list[Vectors]:
    """The embedding of each blob, in order."""
    return [decode(blob) for blob in blobs]
