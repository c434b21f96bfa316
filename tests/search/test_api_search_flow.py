"""The search flow (search/service.py) on its own: which path answers, and cursors.

Pure logic: both paths are small stand-ins of our own SearchResult-returning interface;
the real paths are exercised through HTTP in test_api_dynamodb_first.py and the others.
"""

from __future__ import annotations

import asyncio
import dataclasses
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest

from mediamesh.errors import (
    DynamoDBError,
    DynamoDBUnavailable,
    InvalidInput,
    PostgresUnavailable,
)
from mediamesh.resilience.breakers import Breakers
from mediamesh.search import service
from mediamesh.search.models import SearchHit, SearchQuery, SearchResult
from mediamesh.search.stores import SearchStores
from mediamesh.settings import Settings
from mediamesh.storage.dynamodb.tables import tables_from_settings

NOW = datetime(2024, 1, 16, tzinfo=UTC)
HIT = SearchHit("c1", "PROGRAM", "Title", "", None, None, [], 1.0)


def _result(source: Any, items: list[SearchHit], cursor: str | None = None) -> SearchResult:
    return SearchResult("echo", items, len(items), {}, cursor, source)


@dataclass
class Path:
    """A stand-in path: records the queries it gets and answers or fails as told."""

    source: str
    answer: list[SearchHit] = field(default_factory=list)
    cursor: str | None = None
    fail: Exception | None = None
    hang: bool = False
    calls: list[SearchQuery] = field(default_factory=list)

    async def dynamodb(self, resources: SearchStores, query: SearchQuery, now: datetime) -> Any:
        return await self.postgres(resources, query)

    async def postgres(self, resources: SearchStores, query: SearchQuery) -> SearchResult:
        self.calls.append(query)
        if self.hang:
            await asyncio.Event().wait()
        if self.fail is not None:
            raise self.fail
        return _result(self.source, self.answer, self.cursor)


def _resources(**overrides: Any) -> SearchStores:
    # the DynamoDB path's budget also holds PostgreSQL's check of its matches
    values: dict[str, Any] = {
        "search_dynamodb_timeout_seconds": 0.05,
        "search_postgres_timeout_seconds": 0.05,
        **overrides,
    }
    settings = Settings.model_validate(values)
    client = object() if settings.dynamodb_enabled else None
    tables = tables_from_settings(settings)
    return SearchStores(settings, None, tables.search_index, client, None, Breakers.create())  # type: ignore[arg-type]


async def _run(query: SearchQuery, dyn: Path, pg: Path, **settings: Any) -> SearchResult:
    return await service.search(_resources(**settings), query, NOW, dyn.dynamodb, pg.postgres)


async def test_dynamodb_answers_when_it_finds_something() -> None:
    dyn, pg = Path("dynamodb", [HIT], cursor="o20"), Path("postgres")
    result = await _run(SearchQuery(q="jaws\x00"), dyn, pg)
    assert result.source == "dynamodb" and result.next_cursor == "d.o20"
    assert result.query == "jaws\x00"  # echoed as given
    assert [q.q for q in dyn.calls] == ["jaws"] and pg.calls == []


@pytest.mark.parametrize(
    "dyn",
    [
        Path("dynamodb", []),
        Path("dynamodb", fail=DynamoDBUnavailable("down")),
        Path("dynamodb", fail=DynamoDBError("throttled")),
        Path("dynamodb", hang=True),
    ],
    ids=["nothing found", "unavailable", "other error", "too slow"],
)
async def test_postgres_answers_otherwise(dyn: Path) -> None:
    pg = Path("postgres", [HIT], cursor="abc")
    result = await _run(SearchQuery(q="jaws"), dyn, pg)
    assert result.source == "postgres" and result.next_cursor == "p.abc"
    assert len(dyn.calls) == 1 and len(pg.calls) == 1


@pytest.mark.parametrize(
    ("q", "settings"),
    [
        ("x" * 50, {}),
        ("short", {"search_dynamodb_max_query_length": 5}),
        ("", {}),
        ("   ", {}),
        ("jaws", {"dynamodb_enabled": False}),
        # operators mean what PostgreSQL's websearch syntax says: only it answers them
        ("jaws -shark", {}),
        ('"shark jaws"', {}),
        ("jaws or shark", {}),
        ("spider-man", {}),
    ],
)
async def test_dynamodb_is_skipped(q: str, settings: dict[str, Any]) -> None:
    dyn, pg = Path("dynamodb", [HIT]), Path("postgres", [HIT])
    result = await _run(SearchQuery(q=q), dyn, pg, **settings)
    assert result.source == "postgres" and dyn.calls == []


async def test_a_query_just_under_the_bound_tries_dynamodb() -> None:
    dyn, pg = Path("dynamodb", [HIT]), Path("postgres")
    assert (await _run(SearchQuery(q="x" * 49), dyn, pg)).source == "dynamodb"


async def test_a_cursor_goes_back_to_the_path_that_made_it() -> None:
    dyn, pg = Path("dynamodb", [HIT], cursor="o40"), Path("postgres", [HIT], cursor="k2")
    from_pg = await _run(SearchQuery(q="jaws", cursor="p.k1"), dyn, pg)
    assert from_pg.source == "postgres" and from_pg.next_cursor == "p.k2"
    assert [q.cursor for q in pg.calls] == ["k1"] and dyn.calls == []
    long_q = await _run(SearchQuery(q="x" * 80, cursor="d.o20"), dyn, pg)
    assert long_q.source == "dynamodb" and long_q.next_cursor == "d.o40"
    assert [q.cursor for q in dyn.calls] == ["o20"]


async def test_a_dynamodb_cursor_does_not_fall_back() -> None:
    dyn, pg = Path("dynamodb", fail=DynamoDBUnavailable("down")), Path("postgres", [HIT])
    with pytest.raises(DynamoDBUnavailable):
        await _run(SearchQuery(q="jaws", cursor="d.o20"), dyn, pg)
    slow = Path("dynamodb", hang=True)
    with pytest.raises(DynamoDBUnavailable):
        await _run(SearchQuery(q="jaws", cursor="d.o20"), slow, pg)
    assert pg.calls == []


async def test_an_unknown_cursor_is_invalid_input() -> None:
    with pytest.raises(InvalidInput):
        await _run(SearchQuery(q="jaws", cursor="z.1"), Path("dynamodb"), Path("postgres"))


@dataclass
class PartialPath(Path):
    """A DynamoDB stand-in whose read budget ran out: its matches are a sample."""

    async def dynamodb(self, resources: SearchStores, query: SearchQuery, now: datetime) -> Any:
        self.calls.append(query)
        return dataclasses.replace(_result(self.source, self.answer), complete=False)


@pytest.fixture(autouse=True)
def _fresh_scope_memory() -> None:
    service.scopes.forget()


async def test_an_incomplete_dynamodb_answer_defers_to_postgres_and_is_remembered() -> None:
    dyn, pg = PartialPath("dynamodb", [HIT]), Path("postgres", [HIT])
    resources = _resources()
    first = await service.search(
        resources, SearchQuery(q="star wars"), NOW, dyn.dynamodb, pg.postgres
    )
    assert first.source == "postgres" and len(dyn.calls) == 1
    # the same scope is known too large: DynamoDB is not read again for a while
    again = await service.search(resources, SearchQuery(q="alien"), NOW, dyn.dynamodb, pg.postgres)
    assert again.source == "postgres" and len(dyn.calls) == 1
    # another scope (a category partition) is tried on its own merits
    other = SearchQuery(q="alien", category="Horror")
    await service.search(resources, other, NOW, dyn.dynamodb, pg.postgres)
    assert len(dyn.calls) == 2


async def test_partial_matches_answer_only_when_postgres_is_down() -> None:
    dyn = PartialPath("dynamodb", [HIT])
    pg = Path("postgres", fail=PostgresUnavailable("down"))
    result = await _run(SearchQuery(q="star wars"), dyn, pg)
    assert result.source == "dynamodb" and result.items == [HIT]

    service.scopes.forget()
    empty = PartialPath("dynamodb", [])
    with pytest.raises(PostgresUnavailable):
        await _run(SearchQuery(q="star wars"), empty, pg)


@dataclass
class BehindPath(Path):
    """A DynamoDB stand-in whose index the PostgreSQL check found behind (not `current`)."""

    async def dynamodb(self, resources: SearchStores, query: SearchQuery, now: datetime) -> Any:
        self.calls.append(query)
        return dataclasses.replace(_result(self.source, self.answer), current=False)


async def test_an_index_behind_postgres_defers_to_it_without_marking_the_scope() -> None:
    dyn, pg = BehindPath("dynamodb", [HIT]), Path("postgres", [HIT])
    resources = _resources()
    first = await service.search(resources, SearchQuery(q="alien"), NOW, dyn.dynamodb, pg.postgres)
    assert first.source == "postgres" and len(dyn.calls) == 1
    # a lagging index says nothing about the scope's size: DynamoDB is asked again
    await service.search(resources, SearchQuery(q="alien"), NOW, dyn.dynamodb, pg.postgres)
    assert len(dyn.calls) == 2
    # and while PostgreSQL is down, its matches are the reply of last resort
    down = Path("postgres", fail=PostgresUnavailable("down"))
    last = await service.search(resources, SearchQuery(q="alien"), NOW, dyn.dynamodb, down.postgres)
    assert last.source == "dynamodb" and last.items == [HIT]


async def test_an_operator_query_waits_for_postgres_even_when_it_is_down() -> None:
    # DynamoDB's reading of "-shark" would be wrong, not merely partial: a 503 is better
    dyn, pg = Path("dynamodb", [HIT]), Path("postgres", fail=PostgresUnavailable("down"))
    with pytest.raises(PostgresUnavailable):
        await _run(SearchQuery(q="jaws -shark"), dyn, pg)
    assert dyn.calls == []


@dataclass
class CountingPath(Path):
    """A PostgreSQL stand-in whose answers carry a total and facets."""

    total: int = 0
    facets: dict[str, dict[str, int]] = field(default_factory=dict)

    async def postgres(self, resources: SearchStores, query: SearchQuery) -> SearchResult:
        found = await super().postgres(resources, query)
        return dataclasses.replace(found, total=self.total, facets=self.facets)


async def test_postgres_counts_over_the_read_budget_mark_scopes_too_large() -> None:
    # budget: 2 pages of 10 items; "Drama" and PROGRAM have more matches than that
    resources = _resources(search_dynamodb_page_size=10, search_dynamodb_max_pages=2)
    facets = {"contentType": {"PROGRAM": 21, "EPISODE": 20}, "category": {"Drama": 25, "Noir": 3}}
    dyn, pg = Path("dynamodb"), CountingPath("postgres", [HIT], total=41, facets=facets)
    long = SearchQuery(q="harbor " * 10)  # PostgreSQL only, and its counts are learned
    assert (await service.search(resources, long, NOW, dyn.dynamodb, pg.postgres)).total == 41
    for skipped in (
        SearchQuery(q="alien"),
        SearchQuery(q="alien", category="Drama"),
        SearchQuery(q="alien", content_type="PROGRAM", category="Drama"),
        SearchQuery(q="alien", content_type="PROGRAM"),
    ):
        await service.search(resources, skipped, NOW, dyn.dynamodb, pg.postgres)
    assert dyn.calls == []
    # within the budget: still read from DynamoDB first
    for tried in (
        SearchQuery(q="alien", category="Noir"),
        SearchQuery(q="alien", content_type="EPISODE"),
    ):
        await service.search(resources, tried, NOW, dyn.dynamodb, pg.postgres)
    assert len(dyn.calls) == 2


@pytest.mark.parametrize(
    ("q", "titles", "answers"),
    [
        # two words finding too little, no title with both: PostgreSQL relaxes and adds
        # matches by meaning, which DynamoDB's word sets cannot
        ("haunted lighthouse", ["The Keeper", "Night Watch"], "postgres"),
        # a title with every word: a named film, the strict answer stands
        ("haunted lighthouse", ["The Haunted Lighthouse"], "dynamodb"),
        ("jaws", ["Something"], "dynamodb"),  # one word: nothing to relax
    ],
)
async def test_too_few_words_matched_means_postgres_answers(
    q: str, titles: list[str], answers: str
) -> None:
    found = [dataclasses.replace(HIT, content_id=f"c{i}", title=t) for i, t in enumerate(titles)]
    dyn, pg = Path("dynamodb", found), Path("postgres", [HIT])
    result = await _run(SearchQuery(q=q), dyn, pg)
    assert result.source == answers and len(dyn.calls) == 1
    off = await _run(
        SearchQuery(q=q), Path("dynamodb", found), Path("postgres", [HIT]), search_relax_below=0
    )
    assert off.source == "dynamodb"  # relaxation off: DynamoDB's whole answer stands
