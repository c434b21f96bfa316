"""Compute the sample catalog's vectors and write them to src/mediamesh/data/sample_vectors.npz.

    .venv/bin/python scripts/embed_sample.py              # both cores, ~4 minutes
    .venv/bin/python scripts/embed_sample.py --threads 1  # leave a core to others

Every film of sample_films.jsonl.gz is embedded exactly as the embedding worker embeds it
by default (`document_text`, then `embed_documents` with SEARCH_EMBEDDING_MAX_TOKENS's
default, whatever the environment says), and stored under its `text_hash`, int8-quantised
(search/semantic/vector_file.py). Run it again whenever the model, `document_text` or the
sample changes: a stale file is harmless (its hashes no longer match, so the worker embeds
those films itself), only slow.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from importlib import resources
from pathlib import Path

import numpy as np

from mediamesh.search.semantic import vector_file
from mediamesh.search.semantic.known_vectors import SAMPLE_VECTORS
from mediamesh.search.semantic.model import DIMENSIONS, MODEL_ID, Embedder
from mediamesh.search.semantic.text import document_text, text_hash
from mediamesh.settings import Settings

TARGET = Path(__file__).parents[1] / "src/mediamesh/data" / SAMPLE_VECTORS
CHUNK = 256  # texts per call: progress is reported per chunk
DEFAULT_MAX_TOKENS: int = Settings.model_fields["search_embedding_max_tokens"].default


def sample_texts() -> list[str]:
    """Each distinct document text of the sample, in the sample's order."""
    source = resources.files("mediamesh.data").joinpath("sample_films.jsonl.gz")
    with source.open("rb") as raw, gzip.open(raw, "rt", encoding="utf-8") as lines:
        films = [json.loads(line) for line in lines]
    texts = (document_text(f["title"], f.get("description"), f.get("tags") or []) for f in films)
    return list(dict.fromkeys(texts))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2, help="texts embedded at once")
    args = parser.parse_args()

    texts = sample_texts()
    # One session, one inference thread per call, `threads` calls at once: on this model
    # that embeds more documents per second than one call using every core.
    embedder = Embedder(threads=1, max_tokens=DEFAULT_MAX_TOKENS)
    chunks = [texts[i : i + CHUNK] for i in range(0, len(texts), CHUNK)]
    vectors = np.empty((len(texts), DIMENSIONS), dtype=np.float32)
    started = time.perf_counter()
    with ThreadPoolExecutor(args.threads) as pool:
        for index, chunk_vectors in enumerate(pool.map(embedder.embed_documents, chunks)):
            vectors[index * CHUNK : index * CHUNK + len(chunk_vectors)] = chunk_vectors
            done = min((index + 1) * CHUNK, len(texts))
            rate = done / (time.perf_counter() - started)
            print(f"\r{done}/{len(texts)} texts, {rate:.1f}/s", end="", file=sys.stderr)
    print(file=sys.stderr)

    file = vector_file.quantise(MODEL_ID, [text_hash(t) for t in texts], vectors)
    with TARGET.open("wb") as target:
        vector_file.write(target, file)
    size_mb = TARGET.stat().st_size / 1e6
    print(f"wrote {len(texts)} vectors of {MODEL_ID} to {TARGET} ({size_mb:.1f} MB)")


if __name__ == "__main__":
    main()
