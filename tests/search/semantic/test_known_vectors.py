"""The shipped sample embeddings: found by the hash of a sample film's text, and that film's
(its whole text's vector and its passages')."""

from __future__ import annotations

import gzip
import json
from importlib import resources

import numpy as np

from mediamesh.search.semantic.known_vectors import known_vectors
from mediamesh.search.semantic.model import DIMENSIONS, embedder
from mediamesh.search.semantic.text import document_text, passages, text_hash

JAWS = "8fbb8042-4b68-5ce9-8193-224e90cc994b"


def sample_film(content_id: str) -> dict[str, object]:
    source = resources.files("mediamesh.data").joinpath("sample_films.jsonl.gz")
    with source.open("rb") as raw, gzip.open(raw, "rt", encoding="utf-8") as lines:
        return next(f for line in lines if (f := json.loads(line))["contentId"] == content_id)


def test_a_sample_film_s_text_finds_the_embedding_the_model_computes_for_it() -> None:
    film = sample_film(JAWS)
    text = document_text(str(film["title"]), str(film["description"]), [])
    digest = text_hash(text)

    found = known_vectors([digest])

    assert set(found) == {digest}
    shipped = found[digest]
    cut = passages(text)
    assert len(cut) > 1  # Jaws's text is long enough for passages
    assert shipped.shape == (len(cut), DIMENSIONS)
    assert shipped.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(shipped, axis=1), 1.0, atol=1e-5)
    fresh = embedder().embed_documents(cut)
    assert ((shipped * fresh).sum(axis=1) > 0.995).all()


def test_a_text_the_file_does_not_have_is_absent() -> None:
    film = sample_film(JAWS)
    edited = document_text(str(film["title"]), str(film["description"]) + " Edited.", [])

    assert known_vectors([text_hash(edited), "0" * 32]) == {}
    assert known_vectors([]) == {}
