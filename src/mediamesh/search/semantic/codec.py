"""How a document's embedding is stored in PostgreSQL (`search_embeddings.vector`, bytea): its
vectors (the whole text's, then each passage's: text.passages), one after the other — the
only place that knows it.

Written as int8 codes with one float32 scale per vector, as the vector index keeps them
(scan.py) and the shipped file holds them (vector_file.int8_rows): one version byte (1), the
n scales (little-endian), then the n · DIMENSIONS codes — 1 + 388 · n bytes, always odd. A
quarter of float32's size: at 1M documents the table (TOAST and indexes included) is 1.2 GB
instead of 3.4 GB, which every search server reads at start through the database's page
cache, pushing out the pages searches read. Nothing search used is lost: the index
quantises every vector this way anyway, and quantising a decoded vector again gives the same
codes. Rows written as float32 before (DIMENSIONS little-endian float32 values a vector,
1,536 · n bytes: always even) are still read, until `mediamesh embeddings compact` or a new
embedding of their document rewrites them; `compact --float32` writes that form back, for a
rollback to a release that reads only it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from mediamesh.errors import MediaMeshError
from mediamesh.search.semantic.model import DIMENSIONS, Vectors
from mediamesh.search.semantic.vector_file import int8_rows

_FLOAT32_LE = np.dtype("<f4")
_FLOAT32_WIDTH = DIMENSIONS * _FLOAT32_LE.itemsize
INT8_VERSION = 1
_INT8_WIDTH = _FLOAT32_LE.itemsize + DIMENSIONS  # a vector's scale and codes


def encode(embedding: Vectors) -> bytes:
    """The bytes of an embedding: (n, DIMENSIONS) vectors, n ≥ 1."""
    codes, scales = int8_rows(_checked(embedding))
    return bytes([INT8_VERSION]) + scales.astype(_FLOAT32_LE).tobytes() + codes.tobytes()


def encode_float32(embedding: Vectors) -> bytes:
    """The form of the releases before 2026-12-06 (they cannot read the int8 one): what
    `mediamesh embeddings compact --float32` writes before such a release is rolled back to."""
    return _checked(embedding).astype(_FLOAT32_LE).tobytes()


def _checked(embedding: Vectors) -> Vectors:
    values = np.asarray(embedding, dtype=np.float32)
    if values.ndim != 2 or values.shape[0] < 1 or values.shape[1] != DIMENSIONS:
        raise ValueError(f"an embedding is (n ≥ 1, {DIMENSIONS}) values, got {values.shape}")
    return values


def decode(blob: bytes) -> Vectors:
    """One embedding (n, DIMENSIONS) float32, native byte order. Raises MediaMeshError when
    the bytes are neither form (rows are read for the current embedding only, so that means
    a damaged row)."""
    if len(blob) % 2:
        n, rest = divmod(len(blob) - 1, _INT8_WIDTH)
        if n < 1 or rest or blob[0] != INT8_VERSION:
            raise MediaMeshError(
                f"a stored embedding is not whole int8 vectors of {DIMENSIONS} codes "
                f"({len(blob)} bytes, version {blob[0]})"
            )
        scales = np.frombuffer(blob, dtype=_FLOAT32_LE, count=n, offset=1)
        codes = np.frombuffer(blob, dtype=np.int8, offset=1 + _FLOAT32_LE.itemsize * n).reshape(
            n, DIMENSIONS
        )
        return codes.astype(np.float32) * scales.astype(np.float32)[:, np.newaxis]
    if not blob or len(blob) % _FLOAT32_WIDTH:
        raise MediaMeshError(
            f"a stored embedding is not whole vectors of {DIMENSIONS} float32 values "
            f"({len(blob)} bytes)"
        )
    rows = np.frombuffer(blob, dtype=_FLOAT32_LE).reshape(-1, DIMENSIONS)
    return rows.astype(np.float32)  # native order, and writable (frombuffer's is read-only)


def decode_all(blobs: Sequence[bytes]) -> list[Vectors]:
    """The embedding of each blob, in order."""
    return [decode(blob) for blob in blobs]
