"""The lists' fast path (discovery/fast_lists.py) answers near-cache hits exactly as the FastAPI
route does — same status, headers and bytes — and leaves everything else to the route."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest
from fastapi import FastAPI
from pydantic import SecretStr

from mediamesh.discovery.list_params import parse_query
from mediamesh.discovery.models import ListContentType, ListQuery
from mediamesh.observability.logs import JSONFormatter
from mediamesh.settings import Settings
from tests.discovery.lists_support import (
    Exchange,
    Seed,
    call,
    discovery,
    framework,
    http_client,
    notices_subscribed,
    publish_filter_values,
    seed,
)
from tests.support import WRITE_HEADERS, running_app

READ_KEY = "read-key-fast"
RID = (b"x-request-id", b"fixed-id-1")


@pytest.fixture
async def category(provisioned: Settings, unique: str) -> str:
    name = f"fast-{unique}"
    await seed(
        provisioned,
        name,
        [
            Seed(f"a-{unique}", views=30),
            Seed(f"b-{unique}", views=20, content_type="EPISODE", program_id=f"a-{unique}"),
            Seed(f"c-{unique}", views=10, language="en-GB"),  # lists in en-GB exist
        ],
    )
    return name


async def both(app: FastAPI, path: str, query: str, *headers: Any) -> tuple[Exchange, Exchange]:
    """The same request through the whole app and through the framework alone. Retried when
    a second ticks between the two (Cache-Control's max-age counts down each second)."""
    for _ in range(3):
        fast = await call(app, path, query, RID, *headers)
        slow = await call(framework(app), path, query, RID, *headers)
        if fast.sent == slow.sent:
            break
    return fast, slow


@pytest.fixture
async def app(provisioned: Settings) -> AsyncIterator[FastAPI]:
    settings = provisioned.model_copy(update={"memory_cache_ttl_seconds": 60.0})
    async with running_app(settings, "discovery") as app:
        await notices_subscribed(app)  # before the tests fill the near cache
        yield app


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("/v1/discovery/trending", ""),
        ("/v1/discovery/trending", "category={c}"),
        ("/v1/discovery/popular", "category={c}&limit=1&contentType=PROGRAM"),
        ("/v1/discovery/popular", "contentType=EPISODE&category={c}&language=en"),
        ("/v1/discovery/trending", "category={c}&limit=100&contentType=all&language=en-GB"),
    ],
)
async def test_a_hit_is_byte_identical_to_the_route(
    app: FastAPI, category: str, path: str, query: str
) -> None:
    query = query.format(c=category)
    first = await call(app, path, query)  # a miss: computed by the route
    assert first.framework and first.status == 200
    fast, slow = await both(app, path, query)
    assert not fast.framework and slow.framework
    assert fast.sent == slow.sent
    assert fast.status == 200 and fast.header(b"x-cache-source") == b"memory"
    assert fast.header(b"x-request-id") == b"fixed-id-1"
    etag = fast.header(b"etag")
    fast, slow = await both(app, path, query, (b"if-none-match", etag))
    assert not fast.framework and fast.sent == slow.sent
    assert fast.status == 304 and fast.sent[1]["body"] == b""


async def test_a_made_request_id_is_returned(app: FastAPI) -> None:
    await call(app, "/v1/discovery/trending", "")
    hostile = (b"x-request-id", b"bad id;" * 30)
    made = await call(app, "/v1/discovery/trending", "", hostile)
    assert not made.framework and len(made.header(b"x-request-id")) == 32


@pytest.mark.parametrize(
    "query",
    [
        "contentType=program",
        "limit=0",
        "limit=101",
        "limit=ten",
        "category=",
        "category=" + "x" * 101,
        "category=C%23",
        "category=a%00b",
        "language=english!",
        "language=en%0A",
    ],
)
async def test_bad_parameters_fall_through_to_the_422(app: FastAPI, query: str) -> None:
    await call(app, "/v1/discovery/trending", "")
    fast, slow = await both(app, "/v1/discovery/trending", query)
    assert fast.framework and fast.status == 422 and fast.sent == slow.sent


@pytest.mark.parametrize(
    "query", ["limit=05", "limit=20&limit=20", "verbose=1", "category={c}", "category={c}+x"]
)
async def test_unusual_queries_are_left_to_the_route(
    app: FastAPI, provisioned: Settings, category: str, query: str
) -> None:
    await publish_filter_values(provisioned, category, [(f"{category} x", "en")])
    fast = await call(app, "/v1/discovery/trending", query.format(c=category))
    assert fast.framework and fast.status == 200


def test_the_query_is_read_as_the_route_reads_it() -> None:
    assert parse_query(b"") == (ListQuery(), 20)
    assert parse_query(b"limit=7&contentType=PROGRAM&category=Sci%20Fi&language=fr") == (
        ListQuery(ListContentType.PROGRAM, "Sci Fi", "fr"),
        7,
    )
    for odd in (b"limit=1e2", b"limit=+5", b"contentType=", b"language=fr&language=fr", b"x"):
        assert parse_query(odd) is None, odd


async def test_read_keys_are_enforced_or_left_to_the_route(
    provisioned: Settings, category: str
) -> None:
    settings = provisioned.model_copy(
        update={"memory_cache_ttl_seconds": 60.0, "mediamesh_read_api_keys": SecretStr(READ_KEY)}
    )
    query = f"category={category}"
    read = (b"authorization", f"Bearer {READ_KEY}".encode())
    async with running_app(settings, "discovery") as app:
        path = "/v1/discovery/trending"
        assert (await call(app, path, query, read)).status == 200  # fills the near cache
        for key in (read, (b"authorization", WRITE_HEADERS["Authorization"].encode())):
            fast, slow = await both(app, path, query, key)
            assert not fast.framework and fast.status == 200 and fast.sent == slow.sent
        for refused, status in [
            ((b"x-nothing", b""), 401),
            ((b"authorization", b"Basic abc"), 401),
            ((b"authorization", b"Bearer wrong"), 403),
        ]:
            fast, slow = await both(app, path, query, refused)
            assert fast.framework and fast.status == status and fast.sent == slow.sent


async def test_a_cors_request_is_left_to_the_route(provisioned: Settings) -> None:
    origin = "https://app.example.com"
    settings = provisioned.model_copy(
        update={"memory_cache_ttl_seconds": 60.0, "cors_allowed_origins": origin}
    )
    async with running_app(settings, "discovery") as app:
        await call(app, "/v1/discovery/trending", "")
        plain = await call(app, "/v1/discovery/trending", "")
        cors = await call(app, "/v1/discovery/trending", "", (b"origin", origin.encode()))
    assert not plain.framework
    assert cors.framework and cors.header(b"access-control-allow-origin") == origin.encode()


async def test_fast_answers_are_counted_and_logged(
    app: FastAPI, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="mediamesh.request")
    async with http_client(app) as http:
        first = await http.get("/v1/discovery/popular", headers={"X-Request-ID": "slow-1"})
        etag = first.headers["etag"]
        for n in range(3):
            await http.get("/v1/discovery/popular", headers={"X-Request-ID": f"fast-{n}"})
        await http.get("/v1/discovery/popular", headers={"If-None-Match": etag})
        text = (await http.get("/metrics")).text
    route = 'method="GET",route="/v1/discovery/popular"'
    assert f'mediamesh_http_requests_total{{{route},status="200"}} 4.0' in text
    assert f'mediamesh_http_requests_total{{{route},status="304"}} 1.0' in text
    assert f"mediamesh_http_request_duration_seconds_count{{{route}}} 5.0" in text
    lines = [
        json.loads(JSONFormatter().format(r))
        for r in caplog.records
        if r.name == "mediamesh.request" and r.__dict__.get("route") == "/v1/discovery/popular"
    ]
    assert [line["requestId"] for line in lines[:4]] == ["slow-1", "fast-0", "fast-1", "fast-2"]
    assert [line["status"] for line in lines] == [200, 200, 200, 200, 304]
    assert {frozenset(line) for line in lines} == {frozenset(lines[0])}  # the same fields
    assert lines[1]["path"] == "/v1/discovery/popular" and lines[1]["method"] == "GET"


async def test_a_takedown_is_never_served_from_the_fast_path(
    app: FastAPI, category: str, unique: str
) -> None:
    query = f"category={category}"
    await call(app, "/v1/discovery/trending", query)
    async with http_client(app) as http:
        deleted = await http.delete(f"/v1/catalog/items/a-{unique}", headers=WRITE_HEADERS)
        assert deleted.status_code == 204, deleted.text
        after = await http.get("/v1/discovery/trending", params={"category": category})
    assert after.headers["x-cache-source"] != "memory"
    assert f"a-{unique}" not in after.text
    assert discovery(app).near.enabled
