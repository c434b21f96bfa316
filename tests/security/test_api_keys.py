"""API keys: every write route requires one, reads are public unless MEDIAMESH_READ_API_KEYS
is set, and no key ever reaches a log line."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import fastapi.routing
import pytest
from fastapi.dependencies.models import Dependant

from mediamesh.app.factory import create_app
from mediamesh.http.auth import require_api_key, require_read_key
from mediamesh.observability.logs import JSONFormatter
from mediamesh.settings import Settings, load_settings
from tests.support import WRITE_HEADERS, api_client

WRITE_ROUTES = {
    ("PUT", "/v1/catalog/items/{contentId}"),
    ("POST", "/v1/catalog/items"),
    ("DELETE", "/v1/catalog/items/{contentId}"),
    ("PUT", "/v1/search/index/{contentId}"),
    ("POST", "/v1/search/index"),
    ("DELETE", "/v1/search/index/{contentId}"),
    ("POST", "/v1/discovery/events"),
}
READ_KEY = "read-key-9"


def _calls(dependant: Dependant) -> set[Callable[..., object]]:
    found: set[Callable[..., object]] = set()
    for sub in dependant.dependencies:
        if sub.call is not None:
            found.add(sub.call)
        found |= _calls(sub)
    return found


def _v1_routes() -> list[tuple[str, str, set[Callable[..., object]]]]:
    """(method, path, every dependency it runs) of each /v1 route, as the app serves it."""
    app = create_app(load_settings({}), "all")
    # FastAPI >= 0.16x keeps included routers nested; iter_route_contexts flattens them with
    # the router-level dependencies applied (older versions list flat APIRoutes)
    flatten = getattr(fastapi.routing, "iter_route_contexts", None)
    routes: list[Any] = list(flatten(app.routes)) if flatten else list(app.routes)
    return [
        (method, route.path, _calls(route.dependant))
        for route in routes
        if getattr(route, "dependant", None) is not None and route.path.startswith("/v1/")
        for method in route.methods
    ]


def test_every_write_route_requires_a_write_key() -> None:
    writes = [(m, p, calls) for m, p, calls in _v1_routes() if m not in ("GET", "HEAD")]
    assert {(m, p) for m, p, _ in writes} == WRITE_ROUTES  # a new write route: add it here
    assert [(m, p) for m, p, calls in writes if require_api_key not in calls] == []


def test_every_read_route_checks_the_read_keys() -> None:
    reads = [(m, p, calls) for m, p, calls in _v1_routes() if m in ("GET", "HEAD")]
    assert {p for _, p, _ in reads} == {
        "/v1/discovery/trending",
        "/v1/discovery/popular",
        "/v1/search",
        "/v1/search/suggest",
    }
    assert [(m, p) for m, p, calls in reads if require_read_key not in calls] == []


@pytest.mark.parametrize(("method", "path"), sorted(WRITE_ROUTES))
async def test_writes_without_a_key_get_401_and_with_a_wrong_one_403(
    provisioned: Settings, method: str, path: str
) -> None:
    url = path.replace("{contentId}", "sec-auth")
    async with api_client(provisioned) as client:
        missing = await client.request(method, url, json={})
        basic = await client.request(method, url, json={}, headers={"Authorization": "Basic a"})
        wrong = await client.request(method, url, json={}, headers={"Authorization": "Bearer no"})
        right = await client.request(method, url, json={}, headers=WRITE_HEADERS)
    assert [missing.status_code, basic.status_code, wrong.status_code] == [401, 401, 403]
    assert missing.json()["error"]["code"] == "unauthorized"
    assert wrong.json() == {"error": {"code": "forbidden", "message": "the API key is not valid"}}
    # the key is checked before the body: with it, the empty body is what gets refused
    assert right.status_code in (404, 422), right.text


async def test_writes_are_refused_when_no_key_is_configured(provisioned: Settings) -> None:
    settings = load_settings({**_environment(provisioned), "MEDIAMESH_API_KEYS": ""})
    async with api_client(settings) as client:
        response = await client.post("/v1/discovery/events", json={}, headers=WRITE_HEADERS)
    assert response.status_code == 403
    assert "MEDIAMESH_API_KEYS" in response.json()["error"]["message"]


async def test_reads_are_public_by_default(provisioned: Settings) -> None:
    async with api_client(provisioned) as client:
        search = await client.get("/v1/search/suggest", params={"q": "x"})
        trending = await client.get("/v1/discovery/trending", params={"limit": 1})
    assert (search.status_code, trending.status_code) == (200, 200)


async def test_read_keys_close_the_reads(provisioned: Settings) -> None:
    settings = load_settings(
        {**_environment(provisioned), "MEDIAMESH_READ_API_KEYS": f" {READ_KEY} ,other"}
    )
    url = "/v1/search/suggest?q=x"
    async with api_client(settings) as client:
        missing = await client.get(url)
        wrong = await client.get(url, headers={"Authorization": "Bearer test-key-3"})
        read = await client.get(url, headers={"Authorization": f"Bearer {READ_KEY}"})
        write_key = await client.get(url, headers=WRITE_HEADERS)
        read_key_writes = await client.post(
            "/v1/discovery/events", json={}, headers={"Authorization": f"Bearer {READ_KEY}"}
        )
        health = await client.get("/health/live")
    assert [missing.status_code, wrong.status_code] == [401, 403]
    assert [read.status_code, write_key.status_code, health.status_code] == [200, 200, 200]
    assert read_key_writes.status_code == 403  # a read key never writes


async def test_keys_never_reach_a_log_line(
    provisioned: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    settings = load_settings({**_environment(provisioned), "MEDIAMESH_READ_API_KEYS": READ_KEY})
    caplog.set_level(logging.DEBUG)
    async with api_client(settings) as client:
        for key in ("test-key-1", READ_KEY, "wrong-key-7"):
            headers = {"Authorization": f"Bearer {key}"}
            await client.get("/v1/search", params={"q": "x"}, headers=headers)
            await client.put("/v1/catalog/items/sec-log", json={"title": 1}, headers=headers)
            await client.post("/v1/search/index", content=b"{bad json", headers=headers)
            await client.delete("/v1/search/index/sec-log-none", headers=headers)
    lines = [JSONFormatter().format(record) for record in caplog.records]
    assert (
        sum('"route": "/v1/search"' in line or '"route":"/v1/search"' in line for line in lines)
        == 3
    )
    leaked = [
        line for line in lines if any(k in line for k in ("test-key-1", READ_KEY, "wrong-key-7"))
    ]
    assert leaked == []


def _environment(settings: Settings) -> dict[str, str]:
    values = {}
    for name, value in settings.model_dump().items():
        if value is None:
            continue
        if hasattr(value, "get_secret_value"):
            value = value.get_secret_value()
        values[name.upper()] = str(value).lower() if isinstance(value, bool) else str(value)
    return values
