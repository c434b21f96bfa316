"""How a vector is stored in PostgreSQL (`search_embeddings.vector`, bytea): its float32 values,
little-endian, one after the other — the only place that knows it.

Raw bytes rather than `real[]`: a row is 1,536 bytes instead of ~1,560 with the array header
and per-value checks, and numpy reads it without a copy per value (`frombuffer`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from mediamesh.errors import MediaMeshError
from mediamesh.search.semantic.model import DIMENSIONS, Vectors

_FLOAT32_LE = np.dtype("<f4")


def encode(vector: Vectors) -> bytes:
    """The bytes of one vector of DIMENSIONS values."""
    values = np.asarray(vector, dtype=_FLOAT32_LE)
    if values.shape != (DIMENSIONS,):
        raise ValueError(f"a vector has {DIMENSIONS} values, got shape {values.shape}")
    return values.tobytes()


def decode(blob: bytes) -> Vectors:
    """One vector (DIMENSIONS,) float32, native byte order. Raises MediaMeshError when the
    bytes are not DIMENSIONS float32 values (rows are read for the current model only, so
    that means a damaged row)."""
    vector: Vectors = decode_rows([blob])[0]
    return vector


def decode_rows(blobs: Sequence[bytes]) -> Vectors:
    """A matrix (len(blobs), DIMENSIONS) float32, one row per blob, in order."""
    width = DIMENSIONS * _FLOAT32_LE.itemsize
    if any(len(blob) != width for blob in blobs):
        raise MediaMeshError(f"a stored vector is not {DIMENSIONS} float32 values ({width} bytes)")
    joined = b"".join(blobs)
    rows = np.frombuffer(joined, dtype=_FLOAT32_LE).reshape(len(blobs), DIMENSIONS)
    return rows.astype(np.float32)  # native order, and writable (frombuffer's is read-only)
