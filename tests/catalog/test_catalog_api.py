from __future__ import annotations

import asyncpg
import pytest

from mediamesh.settings import Settings
from tests.support import WRITE_HEADERS, api_client


def program(content_id: str, **fields: object) -> dict[str, object]:
    body: dict[str, object] = {
        "contentType": "PROGRAM",
        "title": f"Program {content_id}",
        "description": "A program about whales",
        "category": "Documentary",
        "language": "en",
        "tags": ["nature"],
    }
    body.update(fields)
    return body


async def fetch_search_row(settings: Settings, content_id: str) -> asyncpg.Record | None:
    conn = await asyncpg.connect(settings.database_url)
    try:
        return await conn.fetchrow(
            "SELECT title, deleted_at FROM search_documents WHERE content_id = $1", content_id
        )
    finally:
        await conn.close()


async def test_put_then_delete_reaches_the_search_documents(
    provisioned: Settings, unique: str
) -> None:
    async with api_client(provisioned) as client:
        response = await client.put(
            f"/v1/catalog/items/p-{unique}", json=program(unique), headers=WRITE_HEADERS
        )
        assert response.status_code == 200, response.text
        row = await fetch_search_row(provisioned, f"p-{unique}")
        assert row is not None and row["title"] == f"Program {unique}" and row["deleted_at"] is None

        response = await client.delete(f"/v1/catalog/items/p-{unique}", headers=WRITE_HEADERS)
        assert response.status_code == 204
        row = await fetch_search_row(provisioned, f"p-{unique}")
        assert row is not None and row["deleted_at"] is not None

        response = await client.delete(f"/v1/catalog/items/p-{unique}", headers=WRITE_HEADERS)
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"


async def test_batch_is_all_or_nothing(provisioned: Settings, unique: str) -> None:
    items = [
        {"contentId": f"p-{unique}", **program(unique)},
        {
            "contentId": f"e-{unique}",
            **program(unique, contentType="EPISODE", programId=f"p-{unique}"),
        },
        {
            "contentId": f"bad-{unique}",
            **program(unique, contentType="EPISODE", programId=f"missing-{unique}"),
        },
    ]
    async with api_client(provisioned) as client:
        response = await client.post(
            "/v1/catalog/items", json={"items": items}, headers=WRITE_HEADERS
        )
        assert response.status_code == 400
        assert f"missing-{unique}" in response.json()["error"]["message"]
        assert await fetch_search_row(provisioned, f"p-{unique}") is None

        response = await client.post(
            "/v1/catalog/items", json={"items": items[:2]}, headers=WRITE_HEADERS
        )
        assert response.status_code == 200, response.text
        assert response.json() == {"written": 2}


async def test_unpublishing_hides_from_search(provisioned: Settings, unique: str) -> None:
    async with api_client(provisioned) as client:
        url = f"/v1/catalog/items/p-{unique}"
        await client.put(url, json=program(unique), headers=WRITE_HEADERS)
        response = await client.put(
            url, json=program(unique, status="unpublished"), headers=WRITE_HEADERS
        )
        assert response.status_code == 200
    row = await fetch_search_row(provisioned, f"p-{unique}")
    assert row is not None and row["deleted_at"] is not None


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"contentType": "SERIES", "title": "x"}, "contentType"),
        ({"contentType": "PROGRAM", "title": ""}, "title"),
        ({"contentType": "PROGRAM", "title": "a\u0000b"}, "control characters"),
        ({"contentType": "EPISODE", "title": "x"}, "programId"),
        (
            {"contentType": "PROGRAM", "title": "x", "publishedAt": "2024-01-01T00:00:00"},
            "time zone",
        ),
        ({"contentType": "PROGRAM", "title": "x", "unknown": 1}, "unknown"),
    ],
)
async def test_bad_items_get_a_clear_422(
    provisioned: Settings, unique: str, body: dict[str, object], fragment: str
) -> None:
    async with api_client(provisioned) as client:
        response = await client.put(
            f"/v1/catalog/items/x-{unique}", json=body, headers=WRITE_HEADERS
        )
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_input"
    assert fragment in str(error)


async def test_writes_need_a_valid_key(provisioned: Settings, unique: str) -> None:
    async with api_client(provisioned) as client:
        url = f"/v1/catalog/items/p-{unique}"
        missing = await client.put(url, json=program(unique))
        wrong = await client.put(
            url, json=program(unique), headers={"Authorization": "Bearer nope"}
        )
    assert missing.status_code == 401 and missing.json()["error"]["code"] == "unauthorized"
    assert wrong.status_code == 403 and wrong.json()["error"]["code"] == "forbidden"


async def searchable(settings: Settings, content_ids: list[str]) -> set[str]:
    conn = await asyncpg.connect(settings.database_url)
    try:
        rows = await conn.fetch(
            "SELECT content_id FROM search_documents "
            "WHERE content_id = ANY($1::text[]) AND deleted_at IS NULL",
            content_ids,
        )
    finally:
        await conn.close()
    return {row["content_id"] for row in rows}


async def taken_down(settings: Settings, content_id: str) -> int:
    conn = await asyncpg.connect(settings.database_url)
    try:
        count: int = await conn.fetchval(
            "SELECT count(*) FROM takedown_log WHERE $1 = ANY(content_ids)", content_id
        )
    finally:
        await conn.close()
    return count


async def test_a_programs_episodes_leave_search_with_it_and_come_back_with_it(
    provisioned: Settings, unique: str
) -> None:
    show, pilot, draft = f"p-{unique}", f"e1-{unique}", f"e2-{unique}"
    episode = program(unique, contentType="EPISODE", programId=show)
    items = [
        {"contentId": show, **program(unique)},
        {"contentId": pilot, **episode},
        {"contentId": draft, **episode, "status": "unpublished"},
    ]
    everything = [show, pilot, draft]
    async with api_client(provisioned) as client:
        put = await client.post("/v1/catalog/items", json={"items": items}, headers=WRITE_HEADERS)
        assert put.status_code == 200, put.text
        assert await searchable(provisioned, everything) == {show, pilot}

        hidden = program(unique, status="unpublished")
        put = await client.put(f"/v1/catalog/items/{show}", json=hidden, headers=WRITE_HEADERS)
        assert put.status_code == 200, put.text
        assert await searchable(provisioned, everything) == set()
        assert await taken_down(provisioned, show) == 1  # in the same transaction

        # an episode published while its program is not stays out of search
        put = await client.put(f"/v1/catalog/items/{pilot}", json=episode, headers=WRITE_HEADERS)
        assert put.status_code == 200, put.text
        assert await searchable(provisioned, everything) == set()

        put = await client.put(
            f"/v1/catalog/items/{show}", json=program(unique), headers=WRITE_HEADERS
        )
        assert put.status_code == 200, put.text
        assert await searchable(provisioned, everything) == {show, pilot}

        gone = await client.delete(f"/v1/catalog/items/{show}", headers=WRITE_HEADERS)
        assert gone.status_code == 204
        assert await searchable(provisioned, everything) == set()
        assert await taken_down(provisioned, pilot) == 1  # the delete logs the episodes too
