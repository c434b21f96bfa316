"""The search flow's failure handling (search/service.py): breakers, and what DynamoDB may
answer while PostgreSQL is down. Pure logic: both paths are stand-ins of our own
SearchResult-returning interface; the real paths run in test_api_outages.py and the suite.
Suggestions run on the real path, against a PostgreSQL that hangs (a FaultProxy)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from mediamesh.errors import DynamoDBUnavailable, PostgresUnavailable
from mediamesh.resilience.breakers import Breakers
from mediamesh.search import service
from mediamesh.search.models import SearchHit, SearchQuery, SearchResult
from mediamesh.search.stores import SearchStores
from mediamesh.settings import Settings
from mediamesh.storage.dynamodb.tables import tables_from_settings
from tests.resilience.proxies import Proxies, proxies_for
from tests.support import running_app

NOW = datetime(2024, 1, 16, tzinfo=UTC)
HIT = SearchHit("c1", "PROGRAM", "Harbor", "", None, None, [], 1.0)
DEADLINE_SECONDS = 20.0  # a request still unanswered by then is hanging: the test fails


@dataclass
class Path:
    source: Any
    items: list[SearchHit] = field(default_factory=list)
    complete: bool = True
    fail: Exception | None = None
    calls: int = 0

    async def dynamodb(self, resources: SearchStores, query: SearchQuery, now: datetime) -> Any:
        return await self.postgres(resources, query)

    async def postgres(self, resources: SearchStores, query: SearchQuery) -> SearchResult:
        self.calls += 1
        if self.fail is not None:
            raise self.fail
        return SearchResult("q", self.items, len(self.items), {}, None, self.source, self.complete)


def resources(unique: str, threshold: int = 5) -> SearchStores:
    # a table name of this test's own: ScopeMemory is per process and keyed by table
    settings = Settings.model_validate({"dynamodb_table_search_index": f"idx-{unique}"})
    breakers = Breakers.create(failure_threshold=threshold, reset_seconds=60)
    tables = tables_from_settings(settings)
    return SearchStores(settings, None, tables.search_index, object(), None, breakers)  # type: ignore[arg-type]


async def search(res: SearchStores, dyn: Path, pg: Path, q: str = "harbor") -> SearchResult:
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


@pytest.fixture
def proxies(provisioned: Settings) -> Iterator[Proxies]:
    with proxies_for(provisioned) as started:
        yield started


async def test_suggest_answers_503_from_a_hung_postgres_then_its_breaker_opens(
    provisioned: Settings, proxies: Proxies
) -> None:
    settings = proxies.route(
        provisioned,
        search_postgres_timeout_seconds=0.5,
        breaker_failure_threshold=2,
        breaker_reset_seconds=60,  # stays open for the rest of the test
    )
    async with running_app(settings, "search") as app:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://mediamesh") as client:

            async def suggest() -> httpx.Response:
                request = client.get("/v1/search/suggest", params={"q": "casab"})
                return await asyncio.wait_for(request, DEADLINE_SECONDS)

            assert (await suggest()).status_code == 200  # a pooled connection, then it hangs
            proxies.postgres.set_mode("hang")
            try:
                answers = [await suggest() for _ in range(3)]
            finally:
                proxies.postgres.set_mode("pass")
    seen = [(r.status_code, r.headers.get("retry-after"), r.json()["error"]) for r in answers]
    assert [(status, retry, error["code"]) for status, retry, error in seen] == [
        (503, "5", "postgres_unavailable")
    ] * 3
    # two failures within the budget open the breaker; the third is refused without waiting
    assert ["circuit open" in error["message"] for _, _, error in seen] == [False, False, True]
    assert app.state.resources.breakers.postgres_reads.snapshot()["state"] == "open"
