"""The benchmark's data, deterministic from a seed: the sample films, generated documents
that bring the search corpus to the wanted size (each derived from a sample film), engagement
events for ingestion, and the search workload (titles, plot words, typos, prefixes, filters,
described films)."""

from __future__ import annotations

import itertools
import random
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from bench.search_labels import QUERIES
from bench.search_quality import group_of
from mediamesh.catalog.loader import open_sample

CATEGORIES = ["Drama", "Comedy", "Western", "Action", "Crime", "Horror", "Adventure", "Musical"]
_WORD = re.compile(r"[a-z]{4,}")
KINDS = ("title", "plot", "typo", "prefix", "filter", "described")
_STOP = frozenset(
    [
        "that",
        "this",
        "with",
        "from",
        "they",
        "their",
        "there",
        "which",
        "when",
        "where",
        "what",
        "have",
        "been",
        "into",
    ]
)


@dataclass(frozen=True)
class SearchWorkload:
    kind: str  # one of KINDS
    q: str
    filters: dict[str, str]


def sample_films() -> list[dict[str, Any]]:
    with open_sample() as lines:
        return [orjson.loads(line) for line in lines if line.strip()]


def _vocabulary(films: list[dict[str, Any]]) -> tuple[list[str], list[str]]:
    titles: list[str] = []
    plots: list[str] = []
    for film in films:
        titles.extend(w for w in _WORD.findall(film["title"].lower()) if w not in _STOP)
        plots.extend(w for w in _WORD.findall(film["description"].lower()) if w not in _STOP)
    return titles, plots


def _plot_words(film: dict[str, Any]) -> list[str]:
    text = (film.get("description") or "").lower()
    return [w for w in _WORD.findall(text) if w not in _STOP]


def _sources(films: list[dict[str, Any]], count: int, seed: int) -> list[dict[str, Any]]:
    """The sample film each of `count` generated documents is derived from: every film with
    plot words in turn, in an order shuffled by `seed` (so each is used about as often)."""
    eligible = [film for film in films if _plot_words(film)]
    if not eligible:
        raise ValueError("no film has plot words to derive documents from")
    random.Random(seed).shuffle(eligible)
    return [eligible[n % len(eligible)] for n in range(count)]


def generated_documents(films: list[dict[str, Any]], count: int, seed: int) -> list[dict[str, Any]]:
    """`count` documents in the API's shape. Each is derived from a sample film
    (`derived_from`): its plot is 8-40 of that film's plot words, in their order (all of
    them when it has fewer); its title is 1-4 words drawn (with their real frequencies) from
    the sample's titles. So queries hit them as they would real ones, and the film's vector
    stands for theirs (bench/search_engines.py: the model is not run on them)."""
    rng = random.Random(seed)
    titles, _ = _vocabulary(films)
    documents = []
    for n, film in enumerate(_sources(films, count, seed)):
        title = " ".join(rng.choice(titles) for _ in range(rng.randint(1, 4))).title()
        words = _plot_words(film)
        kept = sorted(rng.sample(range(len(words)), min(len(words), rng.randint(8, 40))))
        description = " ".join(words[i] for i in kept)
        documents.append(
            {
                "contentId": f"bench-doc-{n}",
                "contentType": "EPISODE" if n % 4 == 0 else "PROGRAM",
                "title": title,
                "description": description.capitalize() + ".",
                "category": CATEGORIES[n % len(CATEGORIES)],
                "language": "fr" if n % 5 == 0 else "en",
                "tags": [rng.choice(words)] if n % 3 == 0 else [],
                "updatedAt": "2025-01-01T00:00:00Z",
            }
        )
    return documents


def derived_from(films: list[dict[str, Any]], count: int, seed: int) -> dict[str, dict[str, Any]]:
    """The sample film each document of `generated_documents(films, count, seed)` is derived
    from, by the document's contentId."""
    return {f"bench-doc-{n}": film for n, film in enumerate(_sources(films, count, seed))}


def events(content_ids: list[str], count: int, seed: int) -> list[dict[str, Any]]:
    """Events in the API's shape over the last day, skewed towards a few items."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    kinds = ["view"] * 8 + ["complete"] * 3 + ["like"]
    found = []
    for n in range(count):
        item = content_ids[min(len(content_ids) - 1, int(rng.paretovariate(1.2)) - 1)]
        moment = now - timedelta(seconds=rng.randint(60, 86_000))
        found.append(
            {
                "contentId": item if n % 3 else rng.choice(content_ids),
                "type": rng.choice(kinds),
                "occurredAt": moment.isoformat().replace("+00:00", "Z"),
                "userId": f"user-{rng.randint(1, 50_000)}",
            }
        )
    return found


def described_queries() -> list[str]:
    """The described queries of bench/search_labels.py (both described kinds, in their
    order: tuning and held-out alternate), the texts of the workload's "described" kind."""
    return [q for kind, q, _ in QUERIES if group_of(kind) == "described"]


def search_workload(films: list[dict[str, Any]], seed: int, per_kind: int) -> list[SearchWorkload]:
    """len(KINDS) x `per_kind` queries: whole titles, plot words, one-typo titles, title
    prefixes, plot words with a category or content type filter, and a person describing a
    film (the labelled described queries, cycled when `per_kind` is more)."""
    rng = random.Random(seed)
    titled = [f for f in films if 2 <= len(f["title"]) <= 40]
    _, plots = _vocabulary(films)
    queries: list[SearchWorkload] = []
    for film in rng.sample(titled, per_kind):
        queries.append(SearchWorkload("title", film["title"].lower(), {}))
    for _ in range(per_kind):
        queries.append(SearchWorkload("plot", " ".join(rng.sample(plots, 2)), {}))
    for film in rng.sample([f for f in titled if len(f["title"]) >= 6], per_kind):
        queries.append(SearchWorkload("typo", _typo(film["title"].lower(), rng), {}))
    for film in rng.sample(titled, per_kind):
        words = _WORD.findall(film["title"].lower()) or [film["title"].lower()]
        queries.append(SearchWorkload("prefix", words[0][: rng.randint(3, 5)], {}))
    for n in range(per_kind):
        filters = {"category": CATEGORIES[n % 4]} if n % 2 else {"contentType": "PROGRAM"}
        queries.append(SearchWorkload("filter", rng.choice(plots), filters))
    for q in itertools.islice(itertools.cycle(described_queries()), per_kind):
        queries.append(SearchWorkload("described", q, {}))
    return queries


def _typo(text: str, rng: random.Random) -> str:
    letters = [i for i, c in enumerate(text) if c.isalpha()]
    at = rng.choice(letters[1:] or letters)
    return text[:at] + text[at + 1 :] if rng.random() < 0.5 else text[:at] + "x" + text[at + 1 :]
