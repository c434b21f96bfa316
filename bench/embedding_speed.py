"""How fast the embedding model runs here: a query's latency, and documents per second.

    .venv/bin/python bench/embedding_speed.py        # ~2 minutes; run it on a quiet machine

Queries: every labelled query of bench/search_labels.py, read by `query_text`, embedded one
at a time (`embed_query`, one inference thread), REPEAT times; p50/p95 in milliseconds.
Documents: DOCUMENTS random sample films that have a plot, as `document_text` makes them,
embedded with one thread, with two inference threads in one call, and as two calls at once
of one thread each (what scripts/embed_sample.py does).
"""

from __future__ import annotations

import gzip
import json
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from mediamesh.search.semantic.model import Embedder
from mediamesh.search.semantic.text import document_text, query_text, read_description

sys.path.insert(0, str(Path(__file__).parent))
from search_labels import QUERIES

SAMPLE = Path(__file__).parents[1] / "src/mediamesh/data/sample_films.jsonl.gz"
DOCUMENTS = 1000
REPEAT = 5
SEED = 13


def documents() -> list[str]:
    with gzip.open(SAMPLE, "rt", encoding="utf-8") as lines:
        films = [json.loads(line) for line in lines]
    with_plot = [f for f in films if read_description(f["description"]).plot]
    chosen = random.Random(SEED).sample(with_plot, DOCUMENTS)
    return [document_text(f["title"], f["description"], f["tags"]) for f in chosen]


def per_second(texts: Sequence[str], embed: Callable[[Sequence[str]], object]) -> float:
    started = time.perf_counter()
    embed(texts)
    return len(texts) / (time.perf_counter() - started)


def main() -> None:
    one = Embedder(threads=1)
    two = Embedder(threads=2)
    queries = [query_text(q) for _, q, _ in QUERIES]
    for text in queries[:10]:  # warm up
        one.embed_query(text)
    latencies: list[float] = []
    for _ in range(REPEAT):
        for text in queries:
            started = time.perf_counter()
            one.embed_query(text)
            latencies.append((time.perf_counter() - started) * 1000)
    cuts = statistics.quantiles(latencies, n=100)
    print(
        f"query embedding, 1 thread, {len(queries)} queries x {REPEAT}: "
        f"p50 {cuts[49]:.1f} ms, p95 {cuts[94]:.1f} ms"
    )

    texts = documents()
    one.embed_documents(texts[:32])

    def two_callers(batch: Sequence[str]) -> None:
        with ThreadPoolExecutor(2) as pool:
            list(pool.map(one.embed_documents, [batch[0::2], batch[1::2]]))

    print(f"documents ({len(texts)} document texts of films with a plot):")
    print(f"  1 thread:                      {per_second(texts, one.embed_documents):.0f}/s")
    print(f"  2 inference threads, 1 call:   {per_second(texts, two.embed_documents):.0f}/s")
    print(f"  2 calls at once, 1 thread each: {per_second(texts, two_callers):.0f}/s")


if __name__ == "__main__":
    main()
