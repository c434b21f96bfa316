"""The file format of shipped vectors: unit vectors quantised to int8, one scale per vector.

An .npz of four arrays, read without pickle:
- `model_id`: the MODEL_ID the vectors come from (a file of another model is never used);
- `hashes`: (n, 16) uint8, each row the digest `text_hash` gives as hex;
- `codes`: (n, DIMENSIONS) int8, and `scales`: (n,) float32, with vector ≈ codes · scale.

Per-vector scaling keeps each vector's largest component at ±127, so the dequantised vector's
cosine with the original stays above 0.999 (bench/embedding_text.py --shipped measures it)
at a quarter of float32's size.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO

import numpy as np
import numpy.typing as npt

from mediamesh.search.semantic.model import DIMENSIONS

Vectors = npt.NDArray[np.float32]


@dataclass(frozen=True)
class VectorFile:
    model_id: str
    hashes: list[str]  # hex, as text_hash gives them
    codes: npt.NDArray[np.int8]
    scales: Vectors

    def vectors(self, rows: Sequence[int]) -> Vectors:
        """Rows `rows` (k, DIMENSIONS), dequantised and scaled back to unit length."""
        picked = self.codes[list(rows)].astype(np.float32) * self.scales[list(rows), np.newaxis]
        norms = np.maximum(np.linalg.norm(picked, axis=1, keepdims=True), 1e-12)
        unit: Vectors = (picked / norms).astype(np.float32)
        return unit


def quantise(model_id: str, hashes: Sequence[str], vectors: Vectors) -> VectorFile:
    """`vectors` (n, DIMENSIONS) as int8 codes with one scale per row."""
    if vectors.shape != (len(hashes), DIMENSIONS):
        raise ValueError(f"expected ({len(hashes)}, {DIMENSIONS}) vectors, got {vectors.shape}")
    peaks = np.maximum(np.abs(vectors).max(axis=1), 1e-12)
    scales = (peaks / 127.0).astype(np.float32)
    codes = np.rint(vectors / scales[:, np.newaxis]).clip(-127, 127).astype(np.int8)
    return VectorFile(model_id, list(hashes), codes, scales)


def write(target: IO[bytes], file: VectorFile) -> None:
    digests = np.frombuffer(b"".join(bytes.fromhex(h) for h in file.hashes), dtype=np.uint8)
    np.savez_compressed(
        target,
        model_id=np.array(file.model_id),
        hashes=digests.reshape(len(file.hashes), -1),
        codes=file.codes,
        scales=file.scales,
    )


def read(source: IO[bytes]) -> VectorFile:
    """Raises ValueError (or OSError) when `source` is not such a file."""
    with np.load(source, allow_pickle=False) as stored:
        hashes = [row.tobytes().hex() for row in stored["hashes"]]
        return VectorFile(str(stored["model_id"]), hashes, stored["codes"], stored["scales"])
