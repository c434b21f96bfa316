"""POST /v1/discovery/events over HTTP on the real stack: 202, every refusal, atomicity."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest

from mediamesh.catalog.service import delete_item
from mediamesh.discovery.events import aggregator
from mediamesh.search.indexing.catalog_port import SearchIndex
from mediamesh.settings import Settings
from tests.discovery.conftest import Catalog
from tests.support import WRITE_HEADERS, api_client

URL = "/v1/discovery/events"


async def stored(pool: asyncpg.Pool, content_id: str) -> tuple[int, int, int]:
    """(raw events, hourly views, daily views) of one item, once what was acknowledged is
    folded (as a list computation folds it first)."""
    await aggregator.settle(pool)
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
        # offsets from the time the test runs (not the time it was collected)
        ({"occurredAt": timedelta(days=1)}, "is in the future"),
        ({"occurredAt": timedelta(days=-31)}, "older than the longest list window"),
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
    if isinstance(offender.get("occurredAt"), timedelta):
        offender["occurredAt"] = _iso(offender["occurredAt"])
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
    await delete_item(pool, SearchIndex(), gone)
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


async def test_a_batch_in_another_form_is_stored_alike(
    provisioned: Settings, pool: asyncpg.Pool, catalog: Catalog, unique: str
) -> None:
    """The full path (forms the fast path leaves to the model) stores what the fast path
    would have: the same events at the same moments."""
    plain, other = await catalog.add(f"plain-{unique}"), await catalog.add(f"other-{unique}")
    at = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)
    events = [{"type": "view", "userId": "u1"}, {"type": "like"}, {"type": "view", "userId": "u1"}]
    async with api_client(provisioned) as client:
        for content_id, when in ((plain, at.isoformat()), (other, at.timestamp())):
            body = {"events": [{"contentId": content_id, "occurredAt": when, **e} for e in events]}
            response = await client.post(URL, json=body, headers=WRITE_HEADERS)
            assert response.status_code == 202, response.text
            assert response.json() == {"accepted": 3}

    await aggregator.settle(pool)
    rows = await pool.fetch(
        """SELECT c.content_id, e.event_type, e.occurred_at, e.user_id FROM engagement_events e
           JOIN catalog_items c USING (item_id) WHERE c.content_id = ANY($1::text[])
           ORDER BY 2, 4""",
        [plain, other],
    )
    assert [r[1:] for r in rows if r[0] == plain] == [r[1:] for r in rows if r[0] == other]
    assert [r["occurred_at"] for r in rows] == [at] * 6
    assert await stored(pool, plain) == await stored(pool, other) == (3, 1, 1)


async def test_a_date_that_does_not_exist_is_refused_by_the_model(
    provisioned: Settings, pool: asyncpg.Pool, catalog: Catalog, unique: str
) -> None:
    item = await catalog.add(f"i-{unique}")
    events = [{"contentId": item, "type": "view", "occurredAt": "2031-02-30T10:00:00Z"}]
    async with api_client(provisioned) as client:
        response = await client.post(URL, json={"events": events}, headers=WRITE_HEADERS)

    assert response.status_code == 422, response.text
    assert response.json()["error"]["message"].startswith("body.events.0.occurredAt: ")
    assert await stored(pool, item) == (0, 0, 0)


async def test_concurrent_batches_are_all_stored_and_counted_exactly(
    provisioned: Settings, pool: asyncpg.Pool, catalog: Catalog, unique: str
) -> None:
    """Batches in flight together (stored together by the writer) on the same items: every
    acknowledged event is in the raw table and the rollups, a user's views of an item in one
    hour count once, and a refused batch stores nothing."""
    items = [await catalog.add(f"i{n}-{unique}") for n in range(3)]
    now = datetime.now(UTC)

    def batch(n: int) -> dict[str, Any]:
        events = [
            {"contentId": items[k % 3], "type": ("view", "view", "like", "complete")[k % 4],
             "userId": f"u{k % 5}", "occurredAt": (now - timedelta(minutes=k)).isoformat()}
            for k in range(n, n + 50)
        ]  # fmt: skip
        return {"events": events}

    bad = {"events": [{"contentId": items[0], "type": "view"}, {"contentId": f"nope-{unique}",
                                                                "type": "view"}]}  # fmt: skip
    async with api_client(provisioned) as client:
        responses = await asyncio.gather(
            *(client.post(URL, json=batch(n), headers=WRITE_HEADERS) for n in range(8)),
            client.post(URL, json=bad, headers=WRITE_HEADERS),
        )

    assert [r.status_code for r in responses] == [202] * 8 + [400]
    assert responses[-1].json()["error"]["message"].startswith("events[1] (contentId 'nope-")
    await aggregator.settle(pool)
    totals = await pool.fetchrow(
        """WITH raw AS (SELECT item_id, event_type, user_id, date_trunc('hour', occurred_at,
                        'UTC') AS hour FROM engagement_events WHERE item_id IN (SELECT item_id
                        FROM catalog_items WHERE content_id = ANY($1::text[])))
           SELECT (SELECT count(*) FROM raw) AS events,
                  (SELECT count(*) FROM (SELECT DISTINCT hour, item_id, user_id FROM raw
                   WHERE event_type = 1) AS v) AS first_views,
                  (SELECT count(*) FROM raw WHERE event_type <> 1) AS others,
                  (SELECT sum(views) FROM engagement_hourly WHERE item_id IN
                      (SELECT item_id FROM raw)) AS hourly_views,
                  (SELECT sum(views) FROM engagement_daily WHERE item_id IN
                      (SELECT item_id FROM raw)) AS daily_views,
                  (SELECT sum(likes + completes) FROM engagement_hourly WHERE item_id IN
                      (SELECT item_id FROM raw)) AS hourly_others""",
        items,
    )
    assert totals["events"] == 8 * 50
    assert totals["hourly_views"] == totals["daily_views"] == totals["first_views"]
    assert totals["hourly_others"] == totals["others"]
