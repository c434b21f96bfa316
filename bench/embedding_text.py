"""What to embed for a film: plain-cosine nDCG@10 of text variants, on a sub-corpus of the sample.

    .venv/bin/python bench/embedding_text.py               # the table (cached vectors reused)
    .venv/bin/python bench/embedding_text.py --threads 1   # leave a core to others
    .venv/bin/python bench/embedding_text.py --shipped     # + the shipped int8 sample vectors
    .venv/bin/python bench/embedding_text.py --passages    # passage sizes and blends only
    .venv/bin/python bench/embedding_text.py --passages --full  # ... on all 36k films (~15 min)

The sub-corpus is every film a query below looks for plus DISTRACTORS random films of the
sample (fixed seed). Each variant's texts are embedded with the real model (vectors cached
by text hash under bench/results/, so a rerun only embeds texts it has not seen), each query
with `embed_query(query_text(q))` (and once raw), and films are ranked by cosine alone — no
lexical match, no popularity — so the table says what the text alone is worth to semantic
retrieval. Query sets: "described" (bench/search_labels.py, kind described: the tuning set;
held-out kinds are never read here), "own described" (OWN_DESCRIBED below, written from the
plots for this script), "plot words" (kind plot) and "titles" (kind title: what a text
without the title gives up). With --shipped: the same ranking with the shipped int8 sample
vectors (known_vectors), and their cosine to the fresh float vectors.
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import random
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from mediamesh.search.semantic.known_vectors import known_vectors
from mediamesh.search.semantic.model import Embedder
from mediamesh.search.semantic.text import (
    document_text,
    passages,
    query_text,
    read_description,
    text_hash,
)
from mediamesh.settings import Settings

sys.path.insert(0, str(Path(__file__).parent))
from search_labels import QUERIES

SAMPLE = Path(__file__).parents[1] / "src/mediamesh/data/sample_films.jsonl.gz"
CACHE = Path(__file__).parent / "results" / "embedding_cache"
DISTRACTORS = 4000
SEED = 13
K = 10
DEFAULT_MAX_TOKENS: int = Settings.model_fields["search_embedding_max_tokens"].default
OTHER_MAX_TOKENS = tuple(n for n in (128, 256) if n != DEFAULT_MAX_TOKENS)

# Described the way a person would, from the films' plots (not copied from them).
OWN_DESCRIBED: list[tuple[str, list[str]]] = [
    (
        "kid left at home over christmas fights off two burglars",
        ["886f8ded-4c9e-55a5-bad0-c5dd9bb4d54d"],
    ),
    (
        "weatherman stuck living the same day again and again",
        ["62a75af7-f1ff-5345-8a54-0c46d270d234"],
    ),
    ("a guy finds out his whole life is a tv show", ["d27f9f0c-9f50-5ceb-bd13-38cf1e5a062a"]),
    ("movie about a bus that explodes if it slows down", ["72a9a471-43d4-5ec9-8bd1-ef17a0a15e05"]),
    (
        "fedex employee stranded alone on an island after his plane goes down",
        ["b46fa386-41ab-58ce-ab5f-c1a9793190a6"],
    ),
    (
        "man who can't make new memories hunts his wife's killer using tattoos",
        ["b7eed6fa-85ee-5a78-8fb8-172891c3369b"],
    ),
    ("a fish dad crosses the ocean looking for his son", ["ee4643b0-c99b-577e-913c-96f2f7b9d7da"]),
    (
        "little robot cleaning trash on an empty earth falls in love",
        ["a69ec872-fd17-5b01-8372-230fd0b14ab0"],
    ),
    (
        "grumpy old widower flies off to south america with a boy scout",
        ["588e4989-cc81-5410-9c0f-979d2f111825"],
    ),
    (
        "thieves who break into people's dreams to plant an idea",
        ["d8eb17ae-0045-52aa-9f7d-85cdbe190907"],
    ),
    (
        "future where children are designed genetically and one natural born man cheats the system",
        ["3f2aa107-cdc4-5c29-a87b-8727e3c72508"],
    ),
    (
        "black man meets his white girlfriend's parents and something is very wrong",
        ["3f7c1df3-3a13-5e22-8065-5896109259fa"],
    ),
    (
        "language expert tries to talk with aliens that have landed",
        ["43affdfe-2225-5804-b89e-ac79e60ffa50"],
    ),
    (
        "astronaut left behind on mars has to survive until rescue",
        ["06feb6e9-f711-5a74-958e-0bf8e9b43c6d"],
    ),
    (
        "the one where the kid sees dead people and a psychologist helps him",
        ["f01860dc-a170-5379-a3a1-945ddd7e1caf"],
    ),
    (
        "a board game that lets loose wild animals from the jungle",
        ["f0a07c47-84bf-53d9-84a3-a27644d36c27"],
    ),
    (
        "jazz drummer student pushed to the edge by a brutal teacher",
        ["5a7022b7-1383-5bf3-be63-82e3692b4f5b"],
    ),
    (
        "man with blades for hands taken in by a suburban family",
        ["2a8d4b9f-6ad7-5fe8-a74e-38e519fdeef6"],
    ),
    (
        "selfish car dealer discovers he has an autistic brother who got the inheritance",
        ["8190e84c-ca8c-5295-9b13-cf266df94e90"],
    ),
    (
        "murdered man's ghost protects his girlfriend with help from a psychic",
        ["d224b734-25e6-5892-8817-f0c2006619a9"],
    ),
]

Film = dict[str, Any]
QueryVectors = dict[str, list[tuple[np.ndarray, list[str]]]]


def load_films() -> list[Film]:
    with gzip.open(SAMPLE, "rt", encoding="utf-8") as lines:
        return [json.loads(line) for line in lines]


def genres_of(films: Sequence[Film]) -> frozenset[str]:
    """The sample's genre tags (every category); the other tags are cast names."""
    return frozenset(f["category"] for f in films if f["category"])


def variants(genres: frozenset[str]) -> dict[str, Callable[[Film], str]]:
    """Each candidate text for a film, by name."""

    def split(film: Film) -> tuple[list[str], list[str]]:
        tags = film["tags"]
        return [t for t in tags if t in genres], [t for t in tags if t not in genres]

    def joined(*parts: str) -> str:
        """The parts as sentences of one text."""
        return " ".join(p if p[-1] in ".!?" else p + "." for p in map(str.strip, parts) if p)

    def read(film: Film) -> tuple[str, str]:
        described = read_description(film["description"] or "")
        return described.what, described.plot

    return {
        "title + description": lambda f: joined(f["title"], f["description"]),
        "title + description + tags": lambda f: joined(
            f["title"], f["description"], ", ".join(f["tags"])
        ),
        "description (title if none)": lambda f: f["description"] or f["title"],
        "title + what + plot": lambda f: joined(f["title"], *read(f)),
        "what + plot": lambda f: joined(*read(f)) or f["title"],
        "what + plot + genres": lambda f: joined(*read(f), ", ".join(split(f)[0])) or f["title"],
        "what + plot + cast": lambda f: joined(*read(f), ", ".join(split(f)[1])) or f["title"],
        "plot, else title + what": lambda f: read(f)[1] or joined(f["title"], read(f)[0]),
        "document_text: plot, else what, else title": lambda f: document_text(
            f["title"], f["description"], f["tags"]
        ),
    }


def query_sets() -> dict[str, list[tuple[str, list[str]]]]:
    return {
        "described": [(q, ids) for kind, q, ids in QUERIES if kind == "described"],
        "own described": OWN_DESCRIBED,
        "plot words": [(q, ids) for kind, q, ids in QUERIES if kind == "plot"],
        "titles": [(q, ids) for kind, q, ids in QUERIES if kind == "title"],
    }


def sub_corpus(films: Sequence[Film], labelled: set[str]) -> list[Film]:
    """The labelled films and DISTRACTORS others, drawn independently of the labels (so that
    adding a query does not change the distractors)."""
    drawn = {f["contentId"] for f in random.Random(SEED).sample(list(films), DISTRACTORS)}
    return [f for f in films if f["contentId"] in labelled | drawn]


class CachedEmbedder:
    """Document vectors by text hash, kept on disk between runs (one file per max_tokens)."""

    def __init__(self, embedder: Embedder, threads: int) -> None:
        self.embedder = embedder
        self.threads = threads
        self.path = CACHE / f"max{embedder.max_tokens}.npz"
        self.vectors: dict[str, np.ndarray] = {}
        if self.path.exists():
            with np.load(self.path) as stored:
                self.vectors = dict(zip(stored["hashes"].tolist(), stored["vectors"], strict=True))

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        hashes = [text_hash(t) for t in texts]
        missing = sorted(
            {h: t for h, t in zip(hashes, texts, strict=True) if h not in self.vectors}.items()
        )
        if missing:
            started = time.perf_counter()
            chunks = [missing[i :: self.threads] for i in range(self.threads)]
            with ThreadPoolExecutor(self.threads) as pool:
                done = pool.map(lambda c: self.embedder.embed_documents([t for _, t in c]), chunks)
                for chunk, vectors in zip(chunks, done, strict=True):
                    self.vectors.update((h, v) for (h, _), v in zip(chunk, vectors, strict=True))
            seconds = time.perf_counter() - started
            print(f"  embedded {len(missing)} texts in {seconds:.0f} s", file=sys.stderr)
            self.save()
        return np.stack([self.vectors[h] for h in hashes])

    def save(self) -> None:
        CACHE.mkdir(parents=True, exist_ok=True)
        hashes = list(self.vectors)
        np.savez(
            self.path, hashes=np.array(hashes), vectors=np.stack([self.vectors[h] for h in hashes])
        )


def ndcg(ranked: Sequence[str], relevant: set[str]) -> float:
    gain = sum(1 / math.log2(i + 2) for i, cid in enumerate(ranked[:K]) if cid in relevant)
    ideal = sum(1 / math.log2(i + 2) for i in range(min(len(relevant), K)))
    return gain / ideal if ideal else 0.0


def mean_ndcg(
    doc_vectors: np.ndarray, ids: Sequence[str], queries: list[tuple[np.ndarray, list[str]]]
) -> float:
    """Mean nDCG@10 of `queries` (vector, relevant ids), ranking documents by cosine."""
    if not queries:
        return float("nan")
    scores = [
        ndcg([ids[i] for i in np.argsort(-(doc_vectors @ qv))[:K]], set(relevant))
        for qv, relevant in queries
    ]
    return float(np.mean(scores))


def shipped_rows(
    texts: Sequence[str], fresh: np.ndarray, ids: Sequence[str], queries: QueryVectors
) -> tuple[str, str]:
    """The shipped int8 vectors against the fresh float ones: a row of nDCG, and a note of
    their cosines."""
    found = known_vectors([text_hash(t) for t in texts])
    if len(found) < len(set(map(text_hash, texts))):
        return "", "the shipped file lacks some of these texts: run scripts/embed_sample.py"
    shipped = np.stack([found[text_hash(t)][0] for t in texts])  # the whole text's vector
    rows = random.Random(SEED).sample(range(len(texts)), 200)
    cosines = (shipped[rows] * fresh[rows]).sum(axis=1)
    cells = [f"{mean_ndcg(shipped, ids, q):.3f}" for q in queries.values()]
    return (
        "| document_text, shipped int8 vectors | " + " | ".join(cells) + " |",
        f"shipped vs fresh vectors, 200 of these films: cosine min {cosines.min():.5f}, "
        f"mean {cosines.mean():.5f}",
    )


PASSAGE_SIZES = ((None, None), (12, 6), (16, 8), (16, 16), (24, 12))  # (words, stride)
WHOLE_WEIGHTS = (0.0, 0.3, 0.5)


def passage_table(
    cache: CachedEmbedder,
    texts: Sequence[str],
    ids: Sequence[str],
    sets: dict[str, list[tuple[str, list[str]]]],
) -> str:
    """nDCG@10 of each passage size and blend: a film's score is w x its text's cosine +
    (1 - w) x its best cosine (the text's or a passage's), as the vector index scores it."""
    read = {
        name: [(cache.embedder.embed_query(query_text(q)), rel) for q, rel in queries]
        for name, queries in sets.items()
    }
    whole = cache.embed(texts)
    lines = [f"| passages (words / stride) | whole weight | {' | '.join(sets)} |"]
    lines.append("|---" * (len(sets) + 2) + "|")
    for words, stride in PASSAGE_SIZES:
        if words is None or stride is None:
            cells = [f"{mean_ndcg(whole, ids, q):.3f}" for q in read.values()]
            lines.append("| none (the text's vector) | 1 | " + " | ".join(cells) + " |")
            continue
        cut = [passages(t, words, stride)[1:] for t in texts]
        flat = [p for parts in cut for p in parts]
        owner = np.array([i for i, parts in enumerate(cut) for _ in parts], dtype=np.int64)
        vectors = cache.embed(flat) if flat else np.empty((0, whole.shape[1]), np.float32)
        for weight in WHOLE_WEIGHTS:
            cells = []
            for queries in read.values():
                scores = []
                for qv, relevant in queries:
                    text_cosines = whole @ qv
                    best = text_cosines.copy()
                    np.maximum.at(best, owner, vectors @ qv)
                    blended = weight * text_cosines + (1 - weight) * best
                    top = np.argsort(-blended)[:K]
                    scores.append(ndcg([ids[i] for i in top], set(relevant)))
                cells.append(f"{np.mean(scores):.3f}")
            lines.append(f"| {words} / {stride} | {weight} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2, help="embedding threads (default 2)")
    parser.add_argument("--shipped", action="store_true", help="compare the shipped vectors")
    parser.add_argument(
        "--passages", action="store_true", help="only the table of passage sizes and blends"
    )
    parser.add_argument(
        "--full", action="store_true", help="the whole sample, not the sub-corpus (slower)"
    )
    args = parser.parse_args()

    films = load_films()
    sets = query_sets()
    labelled = {cid for queries in sets.values() for _, ids in queries for cid in ids}
    corpus = films if args.full else sub_corpus(films, labelled)
    ids = [f["contentId"] for f in corpus]
    print(
        f"corpus: {len(corpus)} films ({len(labelled)} labelled, "
        f"{len(corpus) - len(labelled)} others), "
        f"seed {SEED}; queries: " + ", ".join(f"{name} {len(q)}" for name, q in sets.items()),
        file=sys.stderr,
    )
    rows = [f"| text embedded (max tokens) | {' | '.join(sets)} |", "|---" * (len(sets) + 1) + "|"]

    def row(label: str, vectors: np.ndarray, queries: QueryVectors) -> None:
        cells = [f"{mean_ndcg(vectors, ids, q):.3f}" for q in queries.values()]
        rows.append(f"| {label} | " + " | ".join(cells) + " |")

    chosen = [document_text(f["title"], f["description"], f["tags"]) for f in corpus]
    if args.passages:
        embedder = Embedder(threads=1, max_tokens=DEFAULT_MAX_TOKENS)
        print(passage_table(CachedEmbedder(embedder, args.threads), chosen, ids, sets))
        return
    note = ""
    for max_tokens in (DEFAULT_MAX_TOKENS, *OTHER_MAX_TOKENS):
        embedder = Embedder(threads=1, max_tokens=max_tokens)
        cache = CachedEmbedder(embedder, args.threads)
        read = {
            name: [(embedder.embed_query(query_text(q)), rel) for q, rel in queries]
            for name, queries in sets.items()
        }
        if max_tokens != DEFAULT_MAX_TOKENS:
            row(f"document_text ({max_tokens})", cache.embed(chosen), read)
            continue
        for name, text_of in variants(genres_of(films)).items():
            print(f"{name}, {max_tokens} tokens", file=sys.stderr)
            row(f"{name} ({max_tokens})", cache.embed([text_of(f) for f in corpus]), read)
        fresh = cache.embed(chosen)
        raw = {
            name: [(embedder.embed_query(q), rel) for q, rel in queries]
            for name, queries in sets.items()
        }
        row(f"document_text, queries not read by query_text ({max_tokens})", fresh, raw)
        if args.shipped:
            shipped, note = shipped_rows(chosen, fresh, ids, read)
            rows.append(shipped)
    print("\n".join(row for row in rows if row))
    if note:
        print("\n" + note)


if __name__ == "__main__":
    main()
