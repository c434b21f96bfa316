"""The file format of shipped embeddings: unit vectors quantised to int8, one scale per vector.

An .npz of five arrays, read without pickle:
- `model_id`: the EMBEDDING_ID the vectors come from (a file of another model or passage
  scheme is never used);
- `hashes`: (n, 16) uint8, each row the digest `text_hash` gives as hex;
- `counts`: (n,) int32, how many vectors each text's embedding has (its passages);
- `codes`: (Σ counts, DIMENSIONS) int8, and `scales`: (Σ counts,) float32, with
  vector ≈ codes · scale; each text's vectors follow the previous text's.

Per-vector scaling keeps each vector's largest component at ±127, so the dequantised vector's
cosine with the original stays above 0.999 (bench/embedding_text.py --shipped measures it)
at a quarter of float32's size.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import IO

import numpy as np
import numpy.typing as npt

from mediamesh.search.semantic.model import DIMENSIONS

Vectors = npt.NDArray[np.float32]


@dataclass(frozen=True)
class VectorFile:
    model_id: str
    hashes: list[str]  # hex, as text_hash gives them
    counts: npt.NDArray[np.int32]
    codes: npt.NDArray[np.int8]
    scales: Vectors
    starts: npt.NDArray[np.int64] = field(init=False)

    def __post_init__(self) -> None:
        starts = np.zeros(len(self.counts), dtype=np.int64)
        np.cumsum(self.counts[:-1], out=starts[1:])
        object.__setattr__(self, "starts", starts)

    def embeddings(self, indices: Sequence[int]) -> list[Vectors]:
        """The embedding (count, DIMENSIONS) of each text at `indices`, dequantised and
        scaled back to unit length."""
        found: list[Vectors] = []
        for index in indices:
            start = int(self.starts[index])
            rows = slice(start, start + int(self.counts[index]))
            picked = self.codes[rows].astype(np.float32) * self.scales[rows, np.newaxis]
            norms = np.maximum(np.linalg.norm(picked, axis=1, keepdims=True), 1e-12)
            found.append((picked / norms).astype(np.float32))
        return found


def int8_rows(vectors: Vectors, peak: int = 127) -> tuple[npt.NDArray[np.int8], Vectors]:
    """Rows (n, d) as int8 codes with one scale each, v ≈ code · scale: each row's largest
    component becomes ±`peak`. The shipped file and the in-process vector index (scan.py) both
    store vectors this way."""
    peaks = np.maximum(np.abs(vectors).max(axis=1, initial=0.0), 1e-12)
    scales = (peaks / peak).astype(np.float32)
    codes = np.rint(vectors / scales[:, np.newaxis]).clip(-peak, peak).astype(np.int8)
    return codes, scales


def quantise(model_id: str, hashes: Sequence[str], embeddings: Sequence[Vectors]) -> VectorFile:
    """Each text's embedding (n_i, DIMENSIONS) as int8 codes with one scale per vector."""
    if len(embeddings) != len(hashes):
        raise ValueError(f"expected {len(hashes)} embeddings, got {len(embeddings)}")
    if any(e.ndim != 2 or e.shape[0] < 1 or e.shape[1] != DIMENSIONS for e in embeddings):
        raise ValueError(f"an embedding is (n ≥ 1, {DIMENSIONS}) values")
    vectors = np.concatenate(embeddings) if embeddings else np.empty((0, DIMENSIONS), np.float32)
    codes, scales = int8_rows(vectors)
    counts = np.array([e.shape[0] for e in embeddings], dtype=np.int32)
    return VectorFile(model_id, list(hashes), counts, codes, scales)


def write(target: IO[bytes], file: VectorFile) -> None:
    digests = np.frombuffer(b"".join(bytes.fromhex(h) for h in file.hashes), dtype=np.uint8)
    np.savez_compressed(
        target,
        model_id=np.array(file.model_id),
        hashes=digests.reshape(len(file.hashes), -1),
        counts=file.counts,
        codes=file.codes,
        scales=file.scales,
    )


def read(source: IO[bytes]) -> VectorFile:
    """Raises ValueError (or OSError, KeyError) when `source` is not such a file."""
    with np.load(source, allow_pickle=False) as stored:
        hashes = [row.tobytes().hex() for row in stored["hashes"]]
        counts = stored["counts"].astype(np.int32)
        if len(counts) != len(hashes) or int(counts.sum()) != len(stored["codes"]):
            raise ValueError("the counts do not match the hashes and vectors")
        return VectorFile(
            str(stored["model_id"]), hashes, counts, stored["codes"], stored["scales"]
        )
