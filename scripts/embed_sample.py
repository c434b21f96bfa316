"""Compute the sample catalog's vectors and write them to src/mediamesh/data/sample_vectors.npz.

    .venv/bin/python scripts/embed_sample.py              # the texts the file lacks
    .venv/bin/python scripts/embed_sample.py --all        # every text: ~3.5 minutes, 2 cores
    .venv/bin/python scripts/embed_sample.py --threads 1  # leave a core to others

Every film of sample_films.jsonl.gz is embedded exactly as the embedding worker embeds it
by default (`document_text`, then its passages' vectors with SEARCH_EMBEDDING_MAX_TOKENS's
default, whatever the environment says), and stored under its `text_hash`, int8-quantised
(search/semantic/vector_file.py). Run it again whenever the model, the passages,
`document_text` or the sample changes. By default it keeps the file's embeddings of the texts
that did not change (after a change of model or passages, none). A stale file is harmless
(its hashes no longer match, so the worker embeds those films itself), only slow.
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

from mediamesh.search.semantic import vector_file
from mediamesh.search.semantic.embedding import embed_passages
from mediamesh.search.semantic.known_vectors import SAMPLE_VECTORS, known_vectors
from mediamesh.search.semantic.model import Embedder, Vectors
from mediamesh.search.semantic.text import EMBEDDING_ID, document_text, text_hash
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
    parser.add_argument(
        "--all", action="store_true", help="embed every text (default: only those the file lacks)"
    )
    args = parser.parse_args()

    texts = sample_texts()
    hashes = [text_hash(t) for t in texts]
    # the current file's embeddings of texts that did not change (its int8 values, exactly)
    kept = {} if args.all else known_vectors(hashes)
    missing = [t for t, h in zip(texts, hashes, strict=True) if h not in kept]
    print(f"{len(kept)} embeddings kept, {len(missing)} texts to embed", file=sys.stderr)
    # One session, one inference thread per call, `threads` calls at once: on this model
    # that embeds more documents per second than one call using every core.
    embedder = Embedder(threads=1, max_tokens=DEFAULT_MAX_TOKENS)
    chunks = [missing[i : i + CHUNK] for i in range(0, len(missing), CHUNK)]
    computed: list[Vectors] = []
    started = time.perf_counter()
    with ThreadPoolExecutor(args.threads) as pool:
        for chunk_embeddings in pool.map(
            lambda chunk: embed_passages(embedder.embed_documents, chunk), chunks
        ):
            computed.extend(chunk_embeddings)
            rate = len(computed) / (time.perf_counter() - started)
            print(f"\r{len(computed)}/{len(missing)} texts, {rate:.1f}/s", end="", file=sys.stderr)
    print(file=sys.stderr)

    fresh = dict(zip(missing, computed, strict=True))
    embeddings = [kept[h] if h in kept else fresh[t] for t, h in zip(texts, hashes, strict=True)]
    file = vector_file.quantise(EMBEDDING_ID, hashes, embeddings)
    with TARGET.open("wb") as target:
        vector_file.write(target, file)
    size_mb = TARGET.stat().st_size / 1e6
    print(
        f"wrote {len(texts)} embeddings ({len(file.codes)} vectors) of {EMBEDDING_ID} "
        f"to {TARGET} ({size_mb:.1f} MB)"
    )


if __name__ == "__main__":
    main()
