"""Dot products of many int8 vectors with one query, on onnxruntime's integer kernels.

The vector index keeps each vector as 384 int8 codes with one float scale (a quarter of
float32's memory) and scans them with a one-node ONNX graph, MatMulInteger of uint8 rows by
an int8 query (`assets/scan_u8s8.onnx`, written by scripts/make_scan_graph.py), which
onnxruntime runs on the CPU's integer dot-product instructions (VNNI). Measured here on 88k
vectors (the 36k sample with its passages), one thread, data in the cache: 1.7 ms against
3.7 ms for numpy's float32 product, and 9 against 13 ms at 240k.

uint8 rows (a code + 128) by an int8 query is the pair the fast kernels take; the shift is
undone exactly: Σ (c + 128)·q = Σ c·q + 128·Σ q. The query's codes stay within ±QUERY_PEAK:
on a CPU without VNNI the kernel (AVX2's vpmaddubsw) adds two u8·s8 products in a saturating
int16, and 2 · 255 · 64 still fits where 2 · 255 · 127 does not. Measured on such a CPU (AMD
EPYC, no VNNI), 38 queries against 5,000 rows: the largest cosine error was 0.034 with ±127
query codes and 0.0043 with ±64 (0.0031 on average).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Final

import numpy as np
import numpy.typing as npt
import onnxruntime

from mediamesh.search.semantic import vector_file

GRAPH: Final = Path(__file__).parent / "assets" / "scan_u8s8.onnx"
SHIFT: Final = 128
QUERY_PEAK: Final = 64  # |query code| ≤ 64: no int16 saturation without VNNI (above)

Codes = npt.NDArray[np.uint8]  # (n, DIMENSIONS): int8 codes + SHIFT


def quantise(vectors: npt.NDArray[np.float32]) -> tuple[Codes, npt.NDArray[np.float32]]:
    """Rows (n, DIMENSIONS) as shifted int8 codes and one scale each: v ≈ (code - SHIFT) · scale."""
    codes, scales = vector_file.int8_rows(vectors)
    return (codes.astype(np.int16) + SHIFT).astype(np.uint8), scales


def unshifted(codes: Codes) -> npt.NDArray[np.int8]:
    """Shifted codes as the int8 codes they stand for (quantise's inverse): c + 128 -> c."""
    return (codes ^ np.uint8(SHIFT)).view(np.int8)


# Threads of one scan. The codes are rarely still in the CPU's cache when a query comes (the
# request's other work evicts them): a cold scan of the sample's 88k vectors took 3.5 ms on
# one thread and 1.9 ms on two (1.8 / 1.1 ms hot).
SCAN_THREADS: Final = min(2, os.cpu_count() or 1)


class Scanner:
    """One onnxruntime session of the scan graph (`run` is thread-safe)."""

    def __init__(self, threads: int = SCAN_THREADS) -> None:
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self._session = onnxruntime.InferenceSession(
            str(GRAPH), sess_options=options, providers=["CPUExecutionProvider"]
        )

    def cosines(
        self, codes: Codes, scales: npt.NDArray[np.float32], query: npt.NDArray[np.float32]
    ) -> npt.NDArray[np.float32]:
        """Each row's dot product with the unit `query` (D,), from the rows' codes and scales:
        within ~0.005 of the float32 cosine, with or without VNNI."""
        [query_codes], [query_scale] = vector_file.int8_rows(query[np.newaxis, :], QUERY_PEAK)
        (dots,) = self._session.run(None, {"rows": codes, "query": query_codes[:, np.newaxis]})
        shift = SHIFT * int(query_codes.astype(np.int32).sum())
        cosines: npt.NDArray[np.float32] = (
            (dots[:, 0] - shift).astype(np.float32) * scales * np.float32(query_scale)
        )
        return cosines


_scanner: Scanner | None = None
_lock = threading.Lock()


def scanner() -> Scanner:
    """The process's Scanner, created on first use."""
    global _scanner
    if _scanner is None:
        with _lock:
            if _scanner is None:
                _scanner = Scanner()
    return _scanner
