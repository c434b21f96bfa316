"""The benchmark's data, deterministic from a seed: the sample films, generated documents
that bring the search corpus to the wanted size, engagement events for ingestion, and the
search workload (titles, plot words, typos, prefixes, filters)."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from mediamesh.catalog.loader import open_sample

CATEGORIES = ["Drama", "Comedy", "Western", "Action", "Crime", "Horror", "Adventure", "Musical"]
_WORD = re.compile(r"[a-z]{4,}")
KINDS = ("title", "plot", "typo", "prefix", "filter")
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
    kind: str  # title, plot, typo, prefix, filter
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


def generated_documents(films: list[dict[str, Any]], count: int, seed: int) -> list[dict[str, Any]]:
    """`count` documents in the API's shape, words drawn (with their real frequencies) from
    the sample's titles and plots, so queries hit them as they would real ones."""
    rng = random.Random(seed)
    titles, plots = _vocabulary(films)
    documents = []
    for n in range(count):
        title = " ".join(rng.choice(titles) for _ in range(rng.randint(1, 4))).title()
        description = " ".join(rng.choice(plots) for _ in range(rng.randint(8, 40)))
        documents.append(
            {
                "contentId": f"bench-doc-{n}",
                "contentType": "EPISODE" if n % 4 == 0 else "PROGRAM",
                "title": title,
                "description": description.capitalize() + ".",
                "category": CATEGORIES[n % len(CATEGORIES)],
                "language": "fr" if n % 5 == 0 else "en",
                "tags": [rng.choice(plots)] if n % 3 == 0 else [],
                "updatedAt": "2025-01-01T00:00:00Z",
            }
        )
    return documents


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


def search_workload(films: list[dict[str, Any]], seed: int, per_kind: int) -> list[SearchWorkload]:
    """5 x `per_kind` queries: whole titles, plot words, one-typo titles, title prefixes,
    and plot words with a category or content type filter."""
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
    return queries


def _typo(text: str, rng: random.Random) -> str:
    letters = [i for i, c in enumerate(text) if c.isalpha()]
    at = rng.choice(letters[1:] or letters)
    return text[:at] + text[at + 1 :] if rng.random() < 0.5 else text[:at] + "x" + text[at + 1 :]
