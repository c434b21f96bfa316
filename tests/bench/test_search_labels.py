"""The labelled search queries (bench/search_labels.py) and the pure parts of the quality
report (bench/search_quality.py): every label is a film of the sample, the described queries
are what they claim to be, and the report groups kinds as documented. No search runs here."""

from __future__ import annotations

import gzip
import json
import re
from collections import Counter
from pathlib import Path

import pytest

from bench import search_labels, search_quality

QUERIES, DESCRIBED, FRESH = search_labels.QUERIES, search_labels.DESCRIBED, search_labels.FRESH
SAMPLE = Path(__file__).parents[2] / "src/mediamesh/data/sample_films.jsonl.gz"
NAMED_KINDS = {"title", "typo", "prefix", "plot", "phrase", "exclusion", "cast", "accent"}


@pytest.fixture(scope="module")
def films() -> dict[str, dict[str, object]]:
    with gzip.open(SAMPLE, "rt", encoding="utf-8") as lines:
        return {film["contentId"]: film for film in map(json.loads, lines)}


def test_every_label_is_a_film_of_the_sample(films: dict[str, dict[str, object]]) -> None:
    missing = [(q, cid) for _, q, labels in QUERIES for cid in labels if cid not in films]
    assert missing == []
    assert all(labels for _, _, labels in QUERIES)


def test_queries_are_unique_and_of_known_kinds() -> None:
    queries = [q.lower() for _, q, _ in QUERIES]
    assert len(queries) == len(set(queries))
    kinds = Counter(kind for kind, _, _ in QUERIES)
    assert set(kinds) == NAMED_KINDS | {"described", "described-heldout", "described-fresh"}
    assert kinds["described"] == kinds["described-heldout"] == 30
    assert kinds["described-fresh"] == len(FRESH) == 20


def test_described_queries_describe_without_naming(films: dict[str, dict[str, object]]) -> None:
    assert all(entry in QUERIES for entry in DESCRIBED + FRESH)
    for kind, query, labels in DESCRIBED + FRESH:
        # as typed into a search box; the ones written from memory run a little longer
        assert 4 <= len(query.split()) <= (14 if kind == "described-fresh" else 12), query
        words = f" {' '.join(re.findall(r'[a-z0-9]+', query.lower()))} "
        for cid in labels:
            title = " ".join(re.findall(r"[a-z0-9]+", str(films[cid]["title"]).lower()))
            assert f" {title} " not in words, (query, title)
            # the cast's names (the tags of two words or more; the one-word tags are genres,
            # which a description may say: "legal", "comedy")
            tags = [str(tag) for tag in films[cid]["tags"]]  # type: ignore[attr-defined]
            cast = [tag for tag in tags if " " in tag]
            assert not any(f" {name.lower()} " in words for name in cast), (query, cast)
            assert films[cid]["description"], f"{cid} has no plot to describe"


def test_kinds_are_grouped_into_named_and_described() -> None:
    assert {search_quality.group_of(kind) for kind in NAMED_KINDS} == {"named"}
    assert search_quality.group_of("described") == "described"
    assert search_quality.group_of("described-heldout") == "described"
    assert search_quality.group_of("described-fresh") == "described"


def test_kinds_select_queries_by_kind_pattern_or_group() -> None:
    assert search_quality.select(QUERIES, None) == QUERIES
    heldout = search_quality.select(QUERIES, "described-heldout")
    assert len(heldout) == 30 and {k for k, _, _ in heldout} == {"described-heldout"}
    assert {k for k, _, _ in search_quality.select(QUERIES, "described")} == {"described"}
    assert len(search_quality.select(QUERIES, "described*")) == 80
    named = search_quality.select(QUERIES, "named")
    assert {k for k, _, _ in named} == NAMED_KINDS
    both = search_quality.select(QUERIES, "title, typo")
    assert [k for k, _, _ in both] == [k for k, _, _ in QUERIES if k in {"title", "typo"}]
    with pytest.raises(ValueError, match="unknown kinds"):
        search_quality.select(QUERIES, "titel")


def test_report_has_a_row_per_kind_per_group_and_per_path() -> None:
    result = {
        "scores": {
            "title": [(1.0, 1.0), (0.5, 0.5)],
            "described": [(0.0, 0.0)],
            "described-heldout": [(1.0, 1.0)],
        },
        "kind_latencies": {"title": [1.0, 3.0], "described": [10.0], "described-heldout": [20.0]},
        "first_latencies": {"title": [2.0, 4.0], "described": [30.0]},
        "latencies": {"postgres": [1.0, 3.0, 10.0, 20.0]},
        "misses": [],
    }
    lines = search_quality.table(result)
    rows = {line.split("|")[1].strip(): line for line in lines if line.startswith("| ")}
    assert rows["title"] == "| title | 2 | 0.750 | 0.750 | 1.0 | 3.0 | 2.0 | 4.0 |"
    assert rows["**named**"] == "| **named** | 2 | 0.750 | 0.750 | 1.0 | 3.0 | 2.0 | 4.0 |"
    assert rows["described-heldout"].endswith("| 20.0 | 20.0 | - | - |")  # no first run timed
    assert rows["**described**"] == (
        "| **described** | 2 | 0.500 | 0.500 | 10.0 | 20.0 | 30.0 | 30.0 |"
    )
    assert rows["**all**"].startswith("| **all** | 4 | 0.625 | 0.625 |")
    assert rows["postgres"] == "| postgres | 4 | 10.0 | 20.0 |"
