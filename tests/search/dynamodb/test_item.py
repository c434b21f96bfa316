"""The DynamoDB item structure, word normalisation, ranking and highlighting (pure logic),
and the BatchWriteItem retry loop against a stand-in of our own `Send` interface."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import pytest

from mediamesh.search import words
from mediamesh.search.documents import IndexedDocument
from mediamesh.search.dynamodb import ranking as dynamodb_ranking
from mediamesh.search.dynamodb.index_store import RetryPolicy, send_with_retries
from mediamesh.search.dynamodb.item import (
    MAX_ITEM_BYTES,
    from_item,
    item_size,
    to_item,
    to_record,
)
from mediamesh.settings import Settings
from mediamesh.storage.dynamodb.tables import tables_from_settings

SPEC = tables_from_settings(Settings()).search_index
UPDATED = datetime(2024, 1, 16, 12, 0, tzinfo=UTC)


def indexed(**fields: Any) -> IndexedDocument:
    values: dict[str, Any] = {
        "content_id": "c-1",
        "content_type": "PROGRAM",
        "title": "Amélie",
        "description": "A shy waitress in Montmartre.",
        "category": "Comedy",
        "language": "fr",
        "tags": ["Romance", "Paris"],
        "updated_at": UPDATED,
    }
    values.update(fields)
    return IndexedDocument(**values)


def test_item_has_the_guides_attributes_and_a_fresh_ttl() -> None:
    now = datetime.now(UTC)
    item = to_item(indexed(), SPEC, now, ttl_seconds=2_592_000)
    assert item == {
        "contentId": {"S": "c-1"},
        "contentType": {"S": "PROGRAM"},
        "title": {"S": "Amélie"},
        "description": {"S": "A shy waitress in Montmartre."},
        "category": {"S": "Comedy"},
        "language": {"S": "fr"},
        "tags": {"L": [{"S": "Romance"}, {"S": "Paris"}]},
        "indexedAt": {"S": now.isoformat().replace("+00:00", "Z")},
        "updatedAt": {"S": "2024-01-16T12:00:00Z"},
        "ttl": item["ttl"],
        "titleWords": {"SS": ["amelie"]},
        "tagWords": {"SS": ["paris", "romance"]},
        "descriptionWords": {"SS": ["a", "in", "montmartre", "shy", "waitress"]},
    }
    assert abs(int(item["ttl"]["N"]) - (time.time() + 2_592_000)) <= 5


def test_empty_optional_fields_are_omitted_so_the_category_gsi_stays_sparse() -> None:
    item = to_item(
        indexed(description="", category=None, language=None, tags=[], title="!!!"),
        SPEC,
        UPDATED,
        60,
    )
    assert set(item) == {
        "contentId",
        "contentType",
        "title",
        "tags",
        "indexedAt",
        "updatedAt",
        "ttl",
    }
    assert item["tags"] == {"L": []}
    plain = from_item(item)
    assert plain["ttl"] == int(UPDATED.timestamp()) + 60 and plain["tags"] == []


@pytest.mark.parametrize(
    "fields",
    [{}, {"description": "", "category": None, "language": None, "tags": []}],
)
def test_an_item_reads_back_as_the_document_it_was_written_from(fields: dict[str, Any]) -> None:
    doc = indexed(**fields)
    record = to_record(from_item(to_item(doc, SPEC, UPDATED, 60)))
    assert record.document_fields() == doc.document_fields()


def test_the_largest_document_the_api_accepts_fits_in_an_item() -> None:
    description = " ".join(f"wörd{i}" for i in range(2_800))[:20_000]
    tags = [f"tag number {i} " + "x" * 80 for i in range(50)]
    item = to_item(indexed(title="T" * 500, description=description, tags=tags), SPEC, UPDATED, 1)
    assert "descriptionWords" in item
    assert item_size(item) < MAX_ITEM_BYTES / 4


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Amélie", ["amelie"]),
        ("AMÉLIE's café", ["amelie", "s", "cafe"]),
        ("Ame\u0301lie", ["amelie"]),  # decomposed accent, as some clients send it
        ("Straße", ["strasse"]),
        ("the_god-father", ["the", "god", "father"]),
        ("東京 物語", ["東京", "物語"]),
        ("The GODFATHER: Part_II (1974)", ["the", "godfather", "part", "ii", "1974"]),
    ],
)
def test_words_are_whole_accent_and_case_free(text: str, expected: list[str]) -> None:
    assert words.words(text) == expected


def test_ascii_text_gets_the_same_words_as_the_general_path() -> None:
    # words() lower-cases ASCII text in one pass; it must agree with folding token by token
    text = "".join(chr(code) for code in range(128)) + " Don't STOP_me now-2"
    general = [w for m in words.tokens(text) for w in words.tokens(words.fold(m.group()))]
    assert words.words(text) == [match.group() for match in general]


def test_ranking_puts_title_above_tags_above_description() -> None:
    query = ["whale"]
    in_title = dynamodb_ranking.score(query, {"whale", "rider"}, set(), set(), "Whale Rider")
    in_tags = dynamodb_ranking.score(query, {"ocean"}, {"whale"}, {"whale"}, "Ocean")
    in_description = dynamodb_ranking.score(query, {"deep"}, set(), {"whale"}, "Deep")
    exact = dynamodb_ranking.score(query, {"whale"}, set(), set(), "Whale")
    assert exact > in_title > in_tags > in_description > 0


def test_highlight_marks_whole_words_and_escapes_the_rest() -> None:
    marked = dynamodb_ranking.highlight("<b>Amélie</b> & amelies, AMELIE!", ["amelie"])
    assert marked == "&lt;b&gt;<mark>Amélie</mark>&lt;/b&gt; &amp; amelies, <mark>AMELIE</mark>!"


def test_snippet_is_a_window_around_the_first_match() -> None:
    text = "word " * 100 + "Ishmael sails " + "sea " * 100
    snippet = dynamodb_ranking.snippet(text, ["ishmael"], width=60)
    assert snippet.startswith("… ") and snippet.endswith(" …")
    assert "<mark>Ishmael</mark> sails" in snippet and len(snippet) < 100


async def test_unprocessed_items_are_retried_until_written() -> None:
    calls: list[int] = []

    async def send(requests: list[dict[str, Any]]) -> list[dict[str, Any]]:
        calls.append(len(requests))
        return requests[1:]  # a throttled table takes one request per call

    left = await send_with_retries(send, [{"n": i} for i in range(4)], RetryPolicy(5, 0.001, 0.002))
    assert left == [] and calls == [4, 3, 2, 1]


async def test_what_stays_unprocessed_after_the_retries_is_returned() -> None:
    calls: list[int] = []

    async def send(requests: list[dict[str, Any]]) -> list[dict[str, Any]]:
        calls.append(len(requests))
        return requests

    left = await send_with_retries(send, [{"n": 1}, {"n": 2}], RetryPolicy(2, 0.001, 0.002))
    assert left == [{"n": 1}, {"n": 2}] and calls == [2, 2, 2]
