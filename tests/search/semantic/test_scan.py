"""The int8 scan (onnxruntime's MatMulInteger): cosines close to float32's, the same order of
clearly different rows, and the uint8 shift undone exactly."""

from __future__ import annotations

import numpy as np

from mediamesh.search.semantic import scan
from mediamesh.search.semantic.model import DIMENSIONS
from tests.search.semantic.embedding_support import random_units


def _units(seed: int, n: int) -> np.ndarray:
    return random_units(np.random.default_rng(seed), n)


def test_int8_cosines_are_within_a_hundredth_of_float32() -> None:
    rows = _units(1, 500)
    query = _units(2, 1)[0]
    codes, scales = scan.quantise(rows)
    assert codes.dtype == np.uint8 and scales.dtype == np.float32

    got = scan.scanner().cosines(codes, scales, query)

    exact = rows @ query
    assert got.shape == (500,) and got.dtype == np.float32
    assert float(np.abs(got - exact).max()) < 0.01


def test_a_row_equal_to_the_query_scores_one_and_its_opposite_minus_one() -> None:
    query = _units(3, 1)[0]
    rows = np.stack([query, -query, _units(4, 1)[0]])
    codes, scales = scan.quantise(rows)

    got = scan.scanner().cosines(codes, scales, query)

    assert abs(float(got[0]) - 1.0) < 0.01 and abs(float(got[1]) + 1.0) < 0.01
    assert got[0] > got[2] > got[1]


def test_flat_vectors_do_not_saturate_without_vnni() -> None:
    """Every code at its peak on both sides: AVX2's kernel (no VNNI) adds pairs of u8·s8
    products in a saturating int16, which ±127 query codes overflow; ±QUERY_PEAK do not."""
    flat = np.full(DIMENSIONS, 1 / np.sqrt(DIMENSIONS), dtype=np.float32)
    codes, scales = scan.quantise(np.stack([flat, -flat]))

    got = scan.scanner().cosines(codes, scales, flat)

    assert abs(float(got[0]) - 1.0) < 0.01 and abs(float(got[1]) + 1.0) < 0.01


def test_a_zero_row_scores_zero() -> None:
    codes, scales = scan.quantise(np.zeros((1, DIMENSIONS), dtype=np.float32))
    assert float(scan.scanner().cosines(codes, scales, _units(5, 1)[0])[0]) == 0.0
