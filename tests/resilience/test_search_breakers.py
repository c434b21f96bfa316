"""The search flow's failure handling (search/service.py): breakers, and what DynamoDB may
answer while PostgreSQL is down. Pure logic: both paths are stand-ins of our own
SearchResult-returning interface; the real paths run in test_api_outages.py and the suite."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest

from mediamesh.api.resources import Resources
from mediamesh.errors import DynamoDBUnavailable, PostgresUnavailable
from mediamesh.resilience.breakers import Breakers
from mediamesh.search import service
from mediamesh.search.models import SearchHit, SearchQuery, SearchResult
from mediamesh.settings import Settings
from mediamesh.storage.dynamodb.tables import tables_from_settings

NOW = datetime(2024, 1, 16, tzinfo=UTC)
HIT = SearchHit("c1", "PROGRAM", "Harbor", "", None, None, [], 1.0)


@dataclass
class Path:
    source: Any
    items: list[SearchHit] = field(default_factory=list)
    complete: bool = True
    fail: Exception | None = None
    calls: int = 0

    async def dynamodb(self, resources: Resources, query: SearchQuery, now: datetime) -> Any:
        return await self.postgres(resources, query)

    async def postgres(self, resources: Resources, query: SearchQuery) -> SearchResult:
        self.calls += 1
        if self.fail is not None:
            raise self.fail
        return SearchResult("q", self.items, len(self.items), {}, None, self.source, self.complete)


def resources(unique: str, threshold: int = 5) -> Resources:
    # a table name of this test's own: ScopeMemory is per process and keyed by table
    settings = Settings.model_validate({"dynamodb_table_search_index": f"idx-{unique}"})
    breakers = Breakers.create(failure_threshold=threshold, reset_seconds=60)
    tables = tables_from_settings(settings)
    return Resources(settings, None, None, tables, object(), None, breakers)  # type: ignore[arg-type]


async def search(res: Resources, dyn: Path, pg: Path, q: str = "harbor") -> SearchResult:
    return await service.search(res, SearchQuery(q=q), NOW, dyn.dynamodb, pg.postgres)


async def test_a_scope_known_too_large_still_answers_from_dynamodb_when_postgres_is_down(
    unique: str,
) -> None:
    res = resources(unique)
    dyn = Path("dynamodb", [HIT], complete=False)
    pg = Path("postgres", [HIT])
    assert (await search(res, dyn, pg)).source == "postgres"  # partial: PostgreSQL preferred
    assert (dyn.calls, pg.calls) == (1, 1)
    assert (await search(res, dyn, pg)).source == "postgres"  # now known too large: skipped
    assert dyn.calls == 1
    pg.fail = PostgresUnavailable("down")
    answer = await search(res, dyn, pg)
    assert (answer.source, answer.items, dyn.calls) == ("dynamodb", [HIT], 2)


async def test_an_exact_empty_answer_from_dynamodb_is_served_while_postgres_is_down(
    unique: str,
) -> None:
    dyn = Path("dynamodb", [], complete=True)
    pg = Path("postgres", fail=PostgresUnavailable("down"))
    answer = await search(resources(unique), dyn, pg)
    assert (answer.source, answer.items, answer.total) == ("dynamodb", [], 0)


async def test_a_partial_empty_answer_is_no_answer(unique: str) -> None:
    dyn = Path("dynamodb", [], complete=False)
    pg = Path("postgres", fail=PostgresUnavailable("down"))
    with pytest.raises(PostgresUnavailable):
        await search(resources(unique), dyn, pg)


async def test_an_open_dynamodb_breaker_skips_its_path(unique: str) -> None:
    res = resources(unique, threshold=2)
    dyn = Path("dynamodb", fail=DynamoDBUnavailable("down"))
    pg = Path("postgres", [HIT])
    for _ in range(4):
        assert (await search(res, dyn, pg)).source == "postgres"
    assert (dyn.calls, pg.calls) == (2, 4)
    assert res.breakers.dynamodb_search.snapshot()["state"] == "open"


async def test_an_open_postgres_breaker_refuses_at_once(unique: str) -> None:
    res = resources(unique, threshold=2)
    dyn = Path("dynamodb", [HIT], complete=False)
    pg = Path("postgres", fail=PostgresUnavailable("down"))
    long = "harbor " * 10  # too long for DynamoDB: PostgreSQL or nothing
    for _ in range(4):
        with pytest.raises(PostgresUnavailable):
            await search(res, dyn, pg, q=long)
    assert (pg.calls, dyn.calls) == (2, 0)
    # a short query still gets DynamoDB's matches, without PostgreSQL being called
    answer = await search(res, dyn, pg)
    assert (answer.source, pg.calls) == ("dynamodb", 2)
