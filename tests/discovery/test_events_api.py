"""POST /v1/discovery/events over HTTP on the real stack: 202, every refusal, atomicity."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest

from mediamesh.catalog.service import delete_item
from mediamesh.settings import Settings
from tests.discovery.conftest import Catalog
from tests.support import WRITE_HEADERS, api_client

URL = "/v1/discovery/events"


async def stored(pool: asyncpg.Pool, content_id: str) -> tuple[int, int, int]:
    """(raw events, hourly views, daily views) of one item."""
    row = await pool.fetchrow(
        """SELECT (SELECT count(*) FROM engagement_events e WHERE e.item_id = c.item_id),
                  (SELECT coalesce(sum(views), 0) FROM engagement_hourly h
                   WHERE h.item_id = c.item_id),
                  (SELECT coalesce(sum(views), 0) FROM engagement_daily d
                   WHERE d.item_id = c.item_id)
           FROM catalog_items c WHERE c.content_id = $1""",
        content_id,
    )
    assert row is not None
    return row[0], row[1], row[2]


async def test_accepted_events_are_stored_with_their_rollups(
    provisioned: Settings, pool: asyncpg.Pool, catalog: Catalog, unique: str
) -> None:
    item = await catalog.add(f"i-{unique}")
    events = [
        {"contentId": item, "type": "view", "userId": "u1"},
        {"contentId": item, "type": "view", "userId": "u1"},  # same hour: counted once
        {"contentId": item, "type": "view"},
        {"contentId": item, "type": "like", "occurredAt": _iso(timedelta(hours=-3))},
    ]
    async with api_client(provisioned) as client:
        response = await client.post(URL, json={"events": events}, headers=WRITE_HEADERS)

    assert response.status_code == 202, response.text
    assert response.json() == {"accepted": 4}
    assert await stored(pool, item) == (4, 2, 2)


def _iso(offset: timedelta) -> str:
    return (datetime.now(UTC) + offset).isoformat()


@pytest.mark.parametrize(
    ("bad", "fragment"),
    [
        ({"type": "share"}, "type 'share' is not one of view, like, complete"),
        ({"occurredAt": _iso(timedelta(minutes=5))}, "is in the future"),
        ({"occurredAt": _iso(timedelta(days=-31))}, "older than the longest list window"),
        ({"occurredAt": "2024-01-01T00:00:00"}, "needs a time zone"),
        ({"contentId": "missing"}, "no catalog item has this contentId"),
    ],
)
async def test_a_bad_event_rejects_the_whole_batch(
    provisioned: Settings,
    pool: asyncpg.Pool,
    catalog: Catalog,
    unique: str,
    bad: dict[str, Any],
    fragment: str,
) -> None:
    item = await catalog.add(f"i-{unique}")
    offender = {"contentId": item, "type": "view", **bad}
    if offender["contentId"] == "missing":
        offender["contentId"] = f"missing-{unique}"
    events = [{"contentId": item, "type": "view"}, offender, {"contentId": item, "type": "like"}]
    async with api_client(provisioned) as client:
        response = await client.post(URL, json={"events": events}, headers=WRITE_HEADERS)

    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid_input"
    assert error["message"].startswith(f"events[1] (contentId '{offender['contentId']}'): ")
    assert fragment in error["message"]
    assert await stored(pool, item) == (0, 0, 0)


async def test_events_of_a_deleted_item_are_refused(
    provisioned: Settings, pool: asyncpg.Pool, catalog: Catalog, unique: str
) -> None:
    item = await catalog.add(f"i-{unique}")
    gone = await catalog.add(f"gone-{unique}")
    await delete_item(pool, gone)
    events = [{"contentId": item, "type": "view"}, {"contentId": gone, "type": "view"}]
    async with api_client(provisioned) as client:
        response = await client.post(URL, json={"events": events}, headers=WRITE_HEADERS)

    assert response.status_code == 400
    assert response.json()["error"]["message"] == (
        f"events[1] (contentId '{gone}'): no catalog item has this contentId (or it was deleted)"
    )
    assert await stored(pool, item) == (0, 0, 0)


@pytest.mark.parametrize(
    ("count", "fragment"), [(0, "at least 1 item"), (1001, "at most 1000 items")]
)
async def test_batch_size_is_one_to_a_thousand(
    provisioned: Settings, pool: asyncpg.Pool, catalog: Catalog, unique: str,
    count: int, fragment: str,
) -> None:  # fmt: skip
    item = await catalog.add(f"i-{unique}")
    events = [{"contentId": item, "type": "view"}] * count
    async with api_client(provisioned) as client:
        response = await client.post(URL, json={"events": events}, headers=WRITE_HEADERS)

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_input"
    assert fragment in response.json()["error"]["message"]
    assert await stored(pool, item) == (0, 0, 0)


async def test_events_need_a_valid_key(
    provisioned: Settings, pool: asyncpg.Pool, catalog: Catalog, unique: str
) -> None:
    item = await catalog.add(f"i-{unique}")
    body = {"events": [{"contentId": item, "type": "view"}]}
    async with api_client(provisioned) as client:
        missing = await client.post(URL, json=body)
        wrong = await client.post(URL, json=body, headers={"Authorization": "Bearer nope"})

    assert missing.status_code == 401 and missing.json()["error"]["code"] == "unauthorized"
    assert wrong.status_code == 403 and wrong.json()["error"]["code"] == "forbidden"
    assert await stored(pool, item) == (0, 0, 0)
