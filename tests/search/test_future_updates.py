"""An updatedAt ahead of the server clock (more than SEARCH_MAX_CLOCK_SKEW_SECONDS) gets a 422
saying why, on every route that takes one, and changes nothing: a version stamped 2099 would
otherwise win over every later update of its document."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from mediamesh.settings import Settings
from tests.search.search_api import document, ids, put, search, word
from tests.support import WRITE_HEADERS, api_client


def _ahead(seconds: float) -> str:
    return (datetime.now(UTC) + timedelta(seconds=seconds)).isoformat()


async def _batch(client: httpx.AsyncClient, docs: list[dict[str, Any]]) -> httpx.Response:
    return await client.post("/v1/search/index", json={"documents": docs}, headers=WRITE_HEADERS)


def _refusal(response: httpx.Response) -> str:
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid_input"
    assert "is in the future (more than 60 s ahead of the server clock" in error["message"]
    assert "leave updatedAt out" in error["message"]
    message: str = error["message"]
    return message


async def test_a_put_from_2099_is_refused_and_blocks_nothing(films: Settings, unique: str) -> None:
    w = word(unique)
    async with api_client(films, "search") as client:
        refused = await put(client, unique, document(f"{w} future", updatedAt="2099-01-01T00:00Z"))
        assert _refusal(refused).startswith(f"contentId '{unique}': updatedAt 2099-01-01T00:00:00")
        assert (await search(client, q=w))["total"] == 0  # nothing was written

        # the updates that follow, stamped by their writers or by the server, all land
        first = await put(client, unique, document(f"{w} first", updatedAt=_ahead(-60)))
        second = await put(client, unique, document(f"{w} second"))
        assert [r.json()["indexed"] for r in (first, second)] == [True, True]
        items = (await search(client, q=w))["items"]
    assert [item["title"] for item in items] == [f"{w} second"]


async def test_a_batch_with_one_future_document_writes_none(films: Settings, unique: str) -> None:
    w = word(unique)
    docs = [
        {"contentId": f"{unique}-ok", **document(f"{w} ok")},
        {"contentId": f"{unique}-late", **document(f"{w} late", updatedAt=_ahead(3600))},
    ]
    async with api_client(films, "search") as client:
        message = _refusal(await _batch(client, docs))
        assert message.startswith(f"documents[1] (contentId '{unique}-late'): updatedAt ")
        assert (await search(client, q=w))["total"] == 0

        accepted = await _batch(client, docs[:1])
        assert accepted.json() == {"indexed": 1, "stale": []}
        assert ids(await search(client, q=w)) == [f"{unique}-ok"]


@pytest.mark.parametrize(
    ("skew", "ahead", "status"),
    [
        (60, 20, 200),  # a writer's clock a little fast is fine
        (60, 300, 422),
        (600, 300, 200),  # the setting widens the window
        (0, 300, 422),
    ],
)
async def test_the_skew_is_a_setting(
    films: Settings, unique: str, skew: int, ahead: int, status: int
) -> None:
    settings = films.model_copy(update={"search_max_clock_skew_seconds": skew})
    async with api_client(settings, "search") as client:
        response = await put(client, unique, document(word(unique), updatedAt=_ahead(ahead)))
    assert response.status_code == status, response.text
    if status == 422:
        assert (
            f"more than {skew} s ahead of the server clock" in response.json()["error"]["message"]
        )
