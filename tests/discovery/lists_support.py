"""Helpers for the list tests: catalog items and engagement written through the API, a view
of a running app's discovery service, and raw ASGI calls with and without the fast path."""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

import httpx
from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Scope

from mediamesh.app.factory import MediaMeshAPI
from mediamesh.discovery.runtime import DiscoveryRuntime
from mediamesh.discovery.service import DiscoveryService
from mediamesh.settings import Settings
from tests.support import WRITE_HEADERS, api_client


@dataclass(frozen=True)
class Seed:
    content_id: str
    views: int
    likes: int = 0
    completes: int = 0
    content_type: str = "PROGRAM"
    program_id: str | None = None
    language: str = "en"


async def seed(settings: Settings, category: str, items: Sequence[Seed]) -> None:
    """Publish `items` in `category` and record their engagement now, through the real write
    paths (catalog and events endpoints), so every rollup the ranking reads is consistent."""
    catalog = [
        {
            "contentId": item.content_id,
            "contentType": item.content_type,
            "programId": item.program_id,
            "title": f"Title {item.content_id}",
            "description": f"About {item.content_id}",
            "category": category,
            "language": item.language,
        }
        for item in items
    ]
    events = [
        {"contentId": item.content_id, "type": kind}
        for item in items
        for kind, times in (
            ("view", item.views),
            ("like", item.likes),
            ("complete", item.completes),
        )
        for _ in range(times)
    ]
    async with api_client(settings, "discovery") as http:
        response = await http.post(
            "/v1/catalog/items", json={"items": catalog}, headers=WRITE_HEADERS
        )
        assert response.status_code == 200, response.text
        for start in range(0, len(events), 1000):
            response = await http.post(
                "/v1/discovery/events",
                json={"events": events[start : start + 1000]},
                headers=WRITE_HEADERS,
            )
            assert response.status_code == 202, response.text


async def publish_filter_values(
    settings: Settings, tag: str, values: Sequence[tuple[str, str]]
) -> None:
    """Publish one item per (category, language), without engagement: lists of these
    values exist (discovery answers 404 for a value no published item has)."""
    catalog = [
        {
            "contentId": f"{tag}-v{n}",
            "contentType": "PROGRAM",
            "title": f"Values {n}",
            "category": category,
            "language": language,
        }
        for n, (category, language) in enumerate(values)
    ]
    async with api_client(settings, "discovery") as http:
        response = await http.post(
            "/v1/catalog/items", json={"items": catalog}, headers=WRITE_HEADERS
        )
        assert response.status_code == 200, response.text


def discovery(app: FastAPI) -> DiscoveryService:
    running = app.state.discovery
    assert isinstance(running, DiscoveryRuntime), "the app's lifespan has not started"
    return running.service


async def notices_subscribed(app: FastAPI, within: float = 60.0) -> None:
    """Until the app's takedown notices are first subscribed: their catch-up clears the near
    cache, so a test that fills it and reads it back waits for that first (it came late once,
    Redis slow to accept a connection on a loaded machine)."""
    running = app.state.discovery
    assert isinstance(running, DiscoveryRuntime), "the app's lifespan has not started"
    await asyncio.wait_for(running.notices_subscribed.wait(), within)


async def settle(*apps: FastAPI) -> None:
    """Wait until the apps' background write-backs are done."""
    for app in apps:
        await discovery(app).background.wait_idle()


async def eventually(check: Callable[[], Awaitable[bool]], within: float) -> bool:
    """Whether `check` becomes true within `within` seconds (polled)."""
    deadline = time.monotonic() + within
    while True:
        if await check():
            return True
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.02)


def ids(body: dict[str, object]) -> list[str]:
    items = body["items"]
    assert isinstance(items, list)
    return [item["contentId"] for item in items]


def http_client(app: FastAPI) -> httpx.AsyncClient:
    """An HTTP client for an app already running (see tests.support.running_app)."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://mediamesh")


async def call(asgi: ASGIApp, path: str, query: str, *headers: tuple[bytes, bytes]) -> Exchange:
    """A GET with exactly this query string (no client re-encoding it), straight into `asgi`."""
    scope: Scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": query.encode(),
        "headers": [(b"host", b"mediamesh"), *headers],
        "client": ("127.0.0.1", 40000),
        "server": ("mediamesh", 80),
    }
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    await asgi(scope, receive, send)
    return Exchange(sent, framework="route" in scope)


class Exchange:
    def __init__(self, sent: list[Message], framework: bool) -> None:
        self.sent = sent
        self.framework = framework  # the router saw it (FastAPI answered)

    @property
    def status(self) -> int:
        return int(self.sent[0]["status"])

    @property
    def headers(self) -> list[tuple[bytes, bytes]]:
        return list(self.sent[0]["headers"])

    @property
    def body(self) -> bytes:
        return b"".join(m.get("body", b"") for m in self.sent[1:])

    def header(self, name: bytes) -> bytes:
        value: bytes = dict(self.sent[0]["headers"])[name]
        return value


def framework(app: FastAPI) -> ASGIApp:
    """The app without its fast path: what the fast path falls through to."""
    assert isinstance(app, MediaMeshAPI) and app.fast_lists is not None
    return functools.partial(FastAPI.__call__, app)
