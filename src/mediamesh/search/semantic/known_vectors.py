"""The shipped embeddings of the sample catalog: the model's output for exactly those texts
and their passages.

A content-addressed cache in front of the model: the embedding worker asks it for the text
hashes it is about to embed, and only embeds what it lacks, so loading the sample costs no
model time (its 24,518 distinct texts take ~4 minutes on two cores). Keyed by `text_hash` — which covers the model
and the whole text —, so a film whose text changed, or another model, simply finds nothing.
Written by `scripts/embed_sample.py`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from importlib import resources

import numpy as np
import numpy.typing as npt

from mediamesh.search.semantic import vector_file
from mediamesh.search.semantic.text import EMBEDDING_ID

SAMPLE_VECTORS = "sample_vectors.npz"  # in the mediamesh.data package

_log = logging.getLogger(__name__)
_rows: dict[str, int] | None = None
_file: vector_file.VectorFile | None = None
_lock = threading.Lock()


def known_vectors(hashes: Sequence[str]) -> dict[str, npt.NDArray[np.float32]]:
    """The embedding — (n, DIMENSIONS) float32 unit vectors: the text's, then its passages' —
    of each of `hashes` the shipped file has (others are absent).

    The file is read once, on first use (~0.1 s); a missing or unreadable file, or one made
    by another model, counts as empty (logged once), never as an error.
    """
    rows, file = _loaded()
    if file is None:
        return {}
    found = [h for h in dict.fromkeys(hashes) if h in rows]
    return dict(zip(found, file.embeddings([rows[h] for h in found]), strict=True))


def _loaded() -> tuple[dict[str, int], vector_file.VectorFile | None]:
    global _rows, _file
    with _lock:
        if _rows is None:
            _file = _read_shipped()
            _rows = {h: row for row, h in enumerate(_file.hashes)} if _file else {}
        return _rows, _file


def _read_shipped() -> vector_file.VectorFile | None:
    try:
        with resources.files("mediamesh.data").joinpath(SAMPLE_VECTORS).open("rb") as source:
            file = vector_file.read(source)
    except (OSError, ValueError, KeyError) as exc:
        _log.warning("no shipped sample vectors (%s): every text is embedded by the model", exc)
        return None
    if file.model_id != EMBEDDING_ID:
        _log.warning(
            "the shipped sample vectors are of model %s, not %s: not used",
            file.model_id,
            EMBEDDING_ID,
        )
        return None
    return file
