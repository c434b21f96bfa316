"""The DynamoDB query path against the real DynamoDB Local, each test on tables of its own."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from mediamesh.devstack import dynamodb_local
from mediamesh.errors import DynamoDBUnavailable, InvalidInput
from mediamesh.search.documents import IndexedDocument
from mediamesh.search.dynamodb.index_store import SearchIndexWriter, WriteRequest
from mediamesh.search.dynamodb.item import to_item
from mediamesh.search.dynamodb.metrics import DynamoDBSearchMetrics
from mediamesh.search.dynamodb.search import search, search_with_report
from mediamesh.search.models import SearchQuery, SearchResult
from mediamesh.settings import Settings
from mediamesh.storage.dynamodb.client import DynamoDBConnection, open_client
from mediamesh.storage.dynamodb.tables import tables_from_settings
from tests.conftest import Stack
from tests.search.dynamodb_support import own_tables, search_stores

DAY = 24 * 3600


def doc(content_id: str, title: str, **fields: Any) -> IndexedDocument:
    values: dict[str, Any] = {
        "content_id": content_id,
        "content_type": "PROGRAM",
        "title": title,
        "description": "",
        "category": None,
        "language": "en",
        "tags": [],
        "updated_at": datetime(2024, 1, 16, tzinfo=UTC),
    }
    values.update(fields)
    return IndexedDocument(**values)


async def put(settings: Settings, docs: list[IndexedDocument], indexed_at: datetime) -> None:
    """Write items straight into the index, as the relay would have at `indexed_at`."""
    spec = tables_from_settings(settings).search_index
    conn = DynamoDBConnection.from_settings(settings)
    async with open_client(conn) as client:
        requests = [WriteRequest(d.content_id, to_item(d, spec, indexed_at, DAY)) for d in docs]
        outcome = await SearchIndexWriter(client, conn, spec).write(requests)
    assert not outcome.failed


async def run(settings: Settings, q: str, **filters: Any) -> SearchResult:
    async with search_stores(settings) as resources:
        return await search(resources, SearchQuery(q, **filters), datetime.now(UTC))


def ids(result: SearchResult) -> list[str]:
    return [hit.content_id for hit in result.items]


async def test_whole_words_match_without_accents_or_case(stack: Stack, unique: str) -> None:
    settings = await own_tables(stack, unique)
    await put(
        settings,
        [
            doc("amelie", "Amélie"),
            doc("amelia", "Amelia"),
            doc("cafe", "Le Café", description="AMELIE works here."),
            doc("plural", "Amelies"),
        ],
        datetime.now(UTC),
    )
    for q in ("amelie", "AMÉLIE", "Ame\u0301lie", "  amélie!  "):
        result = await run(settings, q)
        assert ids(result) == ["amelie", "cafe"], q
        assert result.source == "dynamodb" and result.total == 2
    assert ids(await run(settings, "ame")) == []  # no prefixes on this path
    assert ids(await run(settings, "café amelie")) == ["cafe"]  # every word must match
    assert ids(await run(settings, "cafe amelia")) == []


async def test_ranking_is_title_then_tags_then_description(stack: Stack, unique: str) -> None:
    settings = await own_tables(stack, unique)
    await put(
        settings,
        [
            doc("desc", "Deep Blue", description="A whale sings."),
            doc("tags", "Ocean Songs", tags=["Whale", "sea"]),
            doc("long", "The Whale and the Sea"),
            doc("exact", "Whale"),
            doc("none", "Sea Lions", description="No whales here."),
        ],
        datetime.now(UTC),
    )
    result = await run(settings, "whale")
    assert ids(result) == ["exact", "long", "tags", "desc"]
    scores = [hit.score for hit in result.items]
    assert scores == sorted(scores, reverse=True) and len(set(scores)) == 4
    top = result.items[0]
    assert top.highlights == {"title": "<mark>Whale</mark>", "description": ""}
    assert result.items[3].highlights["description"] == "A <mark>whale</mark> sings."


async def test_expired_items_are_never_returned(stack: Stack, unique: str) -> None:
    settings = await own_tables(stack, unique)
    now = datetime.now(UTC)
    await put(settings, [doc("fresh", "Expiry fresh")], now)
    # ttl = indexedAt + 1 day, so this one expired an hour ago (DynamoDB may not have
    # deleted it yet: AWS does so lazily), and "soon" expires in an hour.
    await put(settings, [doc("expired", "Expiry expired")], now - timedelta(days=1, hours=1))
    await put(settings, [doc("soon", "Expiry soon")], now - timedelta(hours=23))
    async with search_stores(settings) as resources:
        query = SearchQuery("expiry")
        result = await search(resources, query, now)
        assert sorted(ids(result)) == ["fresh", "soon"]
        later = await search(resources, query, now + timedelta(hours=2))
        assert ids(later) == ["fresh"]


async def test_filters_use_the_gsis(stack: Stack, unique: str) -> None:
    settings = await own_tables(stack, unique)
    await put(
        settings,
        [
            doc("p-drama", "Storm", category="Drama", tags=["Sea"]),
            doc("p-doc", "Storm", category="Documentary", language="fr"),
            doc("e-drama", "Storm", content_type="EPISODE", category="Drama"),
            doc("p-none", "Storm"),
        ],
        datetime.now(UTC),
    )
    cases: list[tuple[dict[str, str], str, list[str]]] = [
        ({}, "Scan", ["e-drama", "p-doc", "p-drama", "p-none"]),
        ({"category": "Drama"}, "Query category-index", ["e-drama", "p-drama"]),
        ({"content_type": "PROGRAM"}, "Query contentType-index", ["p-doc", "p-drama", "p-none"]),
        ({"content_type": "EPISODE", "category": "Drama"}, "Query category-index", ["e-drama"]),
        ({"language": "fr"}, "Scan", ["p-doc"]),
        ({"tag": "Sea", "content_type": "PROGRAM"}, "Query contentType-index", ["p-drama"]),
        ({"tag": "sea"}, "Scan", []),  # tags are matched exactly
    ]
    async with search_stores(settings) as resources:
        for filters, operation, expected in cases:
            result, report = await search_with_report(
                resources, SearchQuery("storm", **filters), datetime.now(UTC)
            )
            assert report is not None and report.operation == operation, filters
            assert sorted(ids(result)) == expected, filters
        result, _ = await search_with_report(resources, SearchQuery("storm"), datetime.now(UTC))
    assert result.facets == {
        "contentType": {"PROGRAM": 3, "EPISODE": 1},
        "category": {"Drama": 2, "Documentary": 1},
        "language": {"en": 3, "fr": 1},
    }


async def test_the_read_budget_bounds_every_search(stack: Stack, unique: str) -> None:
    settings = await own_tables(
        stack, unique, search_dynamodb_page_size=5, search_dynamodb_max_pages=3
    )
    await put(settings, [doc(f"b{i:02}", f"Budget {i}") for i in range(40)], datetime.now(UTC))
    metrics = DynamoDBSearchMetrics()
    async with search_stores(settings) as resources:
        now = datetime.now(UTC)
        scan = await search(resources, SearchQuery("budget", limit=100), now, metrics)
        query = await search(
            resources, SearchQuery("budget", content_type="PROGRAM", limit=100), now, metrics
        )
    assert metrics.queries == 2 and metrics.pages == 6 and metrics.budget_exhausted == 2
    assert metrics.by_operation == {"Scan": 1, "Query contentType-index": 1}
    assert metrics.items_evaluated <= 30 and scan.total <= 15
    assert metrics.last is not None and metrics.last.items_evaluated == 15 and query.total == 15
    assert metrics.capacity_units > 0 and metrics.last.capacity_units > 0
    assert metrics.snapshot()["queries"] == 2


async def test_pages_follow_the_cursor(stack: Stack, unique: str) -> None:
    settings = await own_tables(stack, unique)
    await put(settings, [doc(f"c{i}", f"Cursor film {i}") for i in range(5)], datetime.now(UTC))
    seen: list[str] = []
    async with search_stores(settings) as resources:
        query = SearchQuery("cursor film", limit=2)
        for expected_size in (2, 2, 1):
            result = await search(resources, query, datetime.now(UTC))
            assert len(result.items) == expected_size and result.total == 5
            seen += ids(result)
            query = replace(query, cursor=result.next_cursor)
        assert result.next_cursor is None
        assert seen == [f"c{i}" for i in range(5)]
        first = await search(resources, SearchQuery("cursor film", limit=2), datetime.now(UTC))
        assert first.next_cursor is not None and first.next_cursor.startswith("dynamodb.")
        for bad in (first.next_cursor.replace("dynamodb.", "postgres."), "dynamodb.!!", "x"):
            with pytest.raises(InvalidInput):
                await search(resources, SearchQuery("cursor film", cursor=bad), datetime.now(UTC))
        with pytest.raises(InvalidInput, match="another query"):
            other = SearchQuery("cursor", cursor=first.next_cursor)
            await search(resources, other, datetime.now(UTC))


async def test_a_query_without_words_reads_nothing(stack: Stack, unique: str) -> None:
    settings = await own_tables(stack, unique)
    async with search_stores(settings) as resources:
        result, report = await search_with_report(resources, SearchQuery("?! …"), datetime.now(UTC))
    assert report is None and result.items == [] and result.total == 0


async def test_an_unreachable_dynamodb_raises_dynamodb_unavailable(
    stack: Stack, unique: str
) -> None:
    endpoint = f"http://127.0.0.1:{dynamodb_local.free_port()}"
    settings = stack.settings(dynamodb_endpoint=endpoint, table_prefix=f"t{unique}-")
    async with search_stores(settings) as resources:
        with pytest.raises(DynamoDBUnavailable, match=r"not reachable|took longer than"):
            await search(resources, SearchQuery("anything"), datetime.now(UTC))


async def test_matches_are_narrowed_to_what_the_source_of_truth_reports_live(
    stack: Stack, unique: str
) -> None:
    settings = await own_tables(stack, unique)
    now = datetime.now(UTC)
    await put(
        settings,
        [doc("kept", "Lag kept"), doc("other", "Lag other"), doc("gone", "Lag gone")],
        now,
    )

    async def live(content_ids: list[str]) -> set[str]:
        return set(content_ids) - {"gone"}

    async def cannot_say(content_ids: list[str]) -> None:
        return None

    async with search_stores(settings) as resources:
        checked = await search(resources, SearchQuery("lag", limit=1), now, live=live)
        assert ids(checked) == ["kept"] and checked.total == 2
        assert checked.facets["contentType"] == {"PROGRAM": 2}
        rest = replace(SearchQuery("lag", limit=1), cursor=checked.next_cursor)
        last = await search(resources, rest, now, live=live)
        assert ids(last) == ["other"] and last.next_cursor is None
        as_read = await search(resources, SearchQuery("lag"), now, live=cannot_say)
        assert sorted(ids(as_read)) == ["gone", "kept", "other"]


@pytest.mark.parametrize("q", ["lag -gone", '"lag gone"', "lag or gone", "lag-gone"])
async def test_operators_are_refused(stack: Stack, unique: str, q: str) -> None:
    settings = await own_tables(stack, unique)
    async with search_stores(settings) as resources:
        with pytest.raises(InvalidInput, match="operators"):
            await search(resources, SearchQuery(q), datetime.now(UTC))
