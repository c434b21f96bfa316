"""When PostgreSQL cannot answer, the search API says so: 503 with Retry-After, not a 500."""

from __future__ import annotations

import pytest

from mediamesh.devstack.dynamodb_local import free_port
from mediamesh.settings import Settings
from tests.conftest import Stack
from tests.search.search_api import document, put
from tests.support import api_client


@pytest.mark.parametrize(
    ("method", "path", "params"),
    [
        ("GET", "/v1/search", {"q": "jaws"}),
        ("GET", "/v1/search", {"q": ""}),
        ("GET", "/v1/search/suggest", {"q": "jaw"}),
    ],
)
async def test_reads_answer_503_when_postgres_is_unreachable(
    stack: Stack, method: str, path: str, params: dict[str, str]
) -> None:
    nowhere = f"postgresql://postgres@127.0.0.1:{free_port()}/nothing"
    settings = stack.settings(database_url=nowhere, dynamodb_enabled=False)
    async with api_client(settings, "search") as client:
        response = await client.request(method, path, params=params)
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "postgres_unavailable"
    assert response.headers["Retry-After"] == "5"


async def test_writes_answer_503_when_postgres_is_unreachable(stack: Stack) -> None:
    nowhere = f"postgresql://postgres@127.0.0.1:{free_port()}/nothing"
    settings = stack.settings(database_url=nowhere, dynamodb_enabled=False)
    async with api_client(settings, "search") as client:
        response = await put(client, "x", document("x"))
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "postgres_unavailable"


async def test_a_search_over_its_budget_answers_503(films: Settings) -> None:
    # 1 ms cannot count 33k matches of "film": the statement is cancelled, the pool survives
    slow = films.model_copy(update={"search_postgres_timeout_seconds": 0.001})
    async with api_client(slow, "search") as client:
        response = await client.get("/v1/search", params={"q": "film"})
    assert response.status_code == 503
    # the statement's timeout or the whole search's budget (twice that): whichever ends first
    error = response.json()["error"]
    assert error["code"] == "postgres_unavailable" and "answer within" in error["message"]
