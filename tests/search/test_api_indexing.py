"""The indexing API on the real PostgreSQL: durable, idempotent, last-writer-wins, atomic."""

from __future__ import annotations

import asyncpg
import pytest

from mediamesh.settings import Settings
from tests.search.search_api import document, ids, put, search, word
from tests.support import WRITE_HEADERS, api_client


async def _outbox_rows(settings: Settings, content_id: str) -> int:
    conn = await asyncpg.connect(settings.database_url)
    try:
        count: int = await conn.fetchval(
            "SELECT count(*) FROM search_outbox WHERE content_id = $1", content_id
        )
        return count
    finally:
        await conn.close()


async def test_put_is_committed_and_searchable(films: Settings, unique: str) -> None:
    w = word(unique)
    async with api_client(films, "search") as client:
        response = await put(client, unique, document(f"The {w} Show", tags=["quiz"]))
        assert response.status_code == 200
        assert response.json() == {"contentId": unique, "indexed": True}
        body = await search(client, q=w)
    assert ids(body) == [unique]
    assert body["items"][0]["tags"] == ["quiz"]
    assert await _outbox_rows(films, unique) == 0  # DynamoDB is off here: nothing to relay


async def test_upsert_is_idempotent(films: Settings, unique: str) -> None:
    w = word(unique)
    body = document(f"{w} again", updatedAt="2024-01-16T12:00:00Z")
    async with api_client(films, "search") as client:
        first = await put(client, unique, body)
        second = await put(client, unique, body)
        assert first.json()["indexed"] is True and second.json()["indexed"] is True
        assert ids(await search(client, q=w)) == [unique]


async def test_an_older_update_never_overwrites(films: Settings, unique: str) -> None:
    w = word(unique)
    async with api_client(films, "search") as client:
        newer = document(f"{w} newer", updatedAt="2024-01-16T12:00:00Z")
        older = document(f"{w} older", updatedAt="2024-01-15T12:00:00Z")
        assert (await put(client, unique, newer)).json()["indexed"] is True
        stale = await put(client, unique, older)
        assert stale.status_code == 200
        assert stale.json() == {"contentId": unique, "indexed": False}
        items = (await search(client, q=w))["items"]
    assert [item["title"] for item in items] == [f"{w} newer"]


async def test_delete_hides_the_document_and_then_404s(films: Settings, unique: str) -> None:
    w = word(unique)
    async with api_client(films, "search") as client:
        await put(client, unique, document(w))
        url = f"/v1/search/index/{unique}"
        first = await client.delete(url, headers=WRITE_HEADERS)
        assert first.status_code == 204 and first.content == b""
        assert (await search(client, q=w))["total"] == 0
        again = await client.delete(url, headers=WRITE_HEADERS)
        assert again.status_code == 404 and again.json()["error"]["code"] == "not_found"
        unknown = await client.delete(f"{url}-never", headers=WRITE_HEADERS)
        assert unknown.status_code == 404
    assert await _outbox_rows(films, unique) == 0  # DynamoDB is off here: nothing to relay


async def test_batch_is_all_or_nothing(films: Settings, unique: str) -> None:
    w = word(unique)
    docs = [{"contentId": f"{unique}-{n}", **document(f"{w} {n}")} for n in range(3)]
    async with api_client(films, "search") as client:
        duplicate = [*docs, docs[0]]
        refused = await client.post(
            "/v1/search/index", json={"documents": duplicate}, headers=WRITE_HEADERS
        )
        assert refused.status_code == 400
        assert f"{unique}-0" in refused.json()["error"]["message"]
        assert (await search(client, q=w))["total"] == 0

        accepted = await client.post(
            "/v1/search/index", json={"documents": docs}, headers=WRITE_HEADERS
        )
        assert accepted.status_code == 200
        assert accepted.json() == {"indexed": 3, "stale": []}
        assert sorted(ids(await search(client, q=w))) == [d["contentId"] for d in docs]


async def test_batch_reports_stale_documents(films: Settings, unique: str) -> None:
    w = word(unique)
    async with api_client(films, "search") as client:
        await put(client, f"{unique}-0", document(w, updatedAt="2024-06-01T00:00:00Z"))
        docs = [
            {"contentId": f"{unique}-{n}", **document(w, updatedAt="2024-01-01T00:00:00Z")}
            for n in range(2)
        ]
        response = await client.post(
            "/v1/search/index", json={"documents": docs}, headers=WRITE_HEADERS
        )
    assert response.json() == {"indexed": 1, "stale": [f"{unique}-0"]}


@pytest.mark.parametrize("size", [0, 501])
async def test_batch_size_is_bounded(films: Settings, unique: str, size: int) -> None:
    docs = [{"contentId": f"{unique}-{n}", **document("x")} for n in range(size)]
    async with api_client(films, "search") as client:
        response = await client.post(
            "/v1/search/index", json={"documents": docs}, headers=WRITE_HEADERS
        )
    assert response.status_code == 422
    assert "documents" in response.json()["error"]["message"]


async def test_a_full_batch_of_500_is_accepted(films: Settings, unique: str) -> None:
    w = word(unique)
    docs = [{"contentId": f"{unique}-{n}", **document(f"{w} {n}")} for n in range(500)]
    async with api_client(films, "search") as client:
        response = await client.post(
            "/v1/search/index", json={"documents": docs}, headers=WRITE_HEADERS
        )
        assert response.json() == {"indexed": 500, "stale": []}
        assert (await search(client, q=w))["total"] == 500


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("PUT", "/v1/search/index/x", document("x")),
        ("POST", "/v1/search/index", {"documents": [{"contentId": "x", **document("x")}]}),
        ("DELETE", "/v1/search/index/x", None),
    ],
)
async def test_writes_need_a_valid_key(
    films: Settings, method: str, path: str, body: dict[str, object] | None
) -> None:
    async with api_client(films, "search") as client:
        missing = await client.request(method, path, json=body)
        wrong = await client.request(
            method, path, json=body, headers={"Authorization": "Bearer nope"}
        )
    assert missing.status_code == 401 and missing.json()["error"]["code"] == "unauthorized"
    assert wrong.status_code == 403 and wrong.json()["error"]["code"] == "forbidden"
