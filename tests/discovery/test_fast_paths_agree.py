"""The two fast paths answer as the framework would: one corpus of valid and invalid inputs,
each sent with the fast path and without it, gets the same status and body; the valid ones
are answered by the fast path, the others left to the framework.

- lists: discovery/fast_lists.py (near-cache hits of GET trending/popular, in front of
  FastAPI) against the app without it;
- events: discovery/events/plain_batch.py + routes._plain (POST /v1/discovery/events) against
  the route with `plain_batch_size` answering None (the framework's handler).
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, Literal
from urllib.parse import parse_qsl

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from starlette.types import ASGIApp, Scope, Send

from mediamesh.app.factory import MediaMeshAPI
from mediamesh.catalog.service import delete_item
from mediamesh.discovery.events import routes as event_routes
from mediamesh.discovery.events.plain_batch import plain_batch_size
from mediamesh.discovery.models import ListContentType, ListKind, ListQuery
from mediamesh.discovery.rendering import RenderedList
from mediamesh.search.indexing.catalog_port import SearchIndex
from mediamesh.settings import Settings
from tests.discovery.conftest import Catalog
from tests.discovery.lists_support import (
    Seed,
    call,
    discovery,
    framework,
    notices_subscribed,
    publish_filter_values,
    seed,
)
from tests.support import WRITE_HEADERS, running_app

TRENDING, POPULAR = "/v1/discovery/trending", "/v1/discovery/popular"
RID = "agree-1"

# ---------------------------------------------------------------------------------- lists

# Valid queries: answered by the fast path once the near cache holds their list ({c}: a
# category of this test's items).
LIST_HITS = [
    (TRENDING, ""),
    (POPULAR, ""),
    (TRENDING, "category={c}"),
    (POPULAR, "category={c}&limit=1&contentType=PROGRAM"),
    (TRENDING, "contentType=EPISODE&category={c}&language=en"),
    (POPULAR, "category={c}&limit=100&contentType=all&language=en-GB"),
    (TRENDING, "limit=1"),
    (POPULAR, "limit=100&category={c}"),
    (TRENDING, "%63ategory={c}"),  # a percent-encoded name
    (TRENDING, "category={c}&"),
    (TRENDING, "contentType=PROGRAM&language=EN"),
    (TRENDING, "category={c}%09x"),  # a tab is text
    (TRENDING, "category=%7F{c}"),
    (TRENDING, "category=" + "x" * 100),
    (TRENDING, "category=%ED%A0%80{c}"),  # not UTF-8: read as U+FFFD by both
    (POPULAR, "category=Science+Fiction"),
    (TRENDING, "language=en-abcdefgh-abcdefgh-abcdefg"),  # 35 characters
]
# Invalid, unusual or unknown: left to the route (422, or 200 as the route reads them).
LIST_OTHERS = [
    "limit=0",
    "limit=101",
    "limit=1000",
    "limit=-1",
    "limit=05",
    "limit=%205",
    "limit=5%20",
    "limit=+5",
    "limit=x",
    "limit=",
    "limit",
    "limit=1e2",
    "limit=5.0",
    "limit=%EF%BC%95",  # a full-width 5
    "contentType=program",
    "contentType=ALL",
    "contentType=",
    "contentType=SHOW",
    "category=C%23",
    "category={c}%23x",
    "category=%23",
    "category=",
    "category=" + "x" * 101,
    "category=a%00b",
    "category=a%1Fb",
    "category={c}&limit=0",
    "language=english!",
    "language=en%0A",
    "language=e",
    "language=en-",
    "language=en_GB",
    "language=",
    "language=en" + "-abcdefgh" * 4,  # the pattern, but 38 characters
    "verbose=1",
    "category={c}&verbose=1",
    "Limit=5",
    "limit=20&limit=20",
    "limit=1&limit=100",
    "contentType=PROGRAM&contentType=EPISODE",
    "category={c}&category={c}",
]

Answer = tuple[int, list[tuple[bytes, bytes]], bytes]


async def get(asgi: ASGIApp, path: str, query: str) -> Answer:
    """Status, headers and body as sent."""
    sent = await call(asgi, path, query, (b"x-request-id", RID.encode()))
    return sent.status, sent.headers, sent.body


def plant(app: FastAPI, path: str, query: str, donor: RenderedList) -> None:
    """Put `donor` in the near cache under the list that a lax reading of `query` names (the
    last of repeated names, int() of the limit, the content type in any case, …), so that a
    fast path taking the query would find a list to answer with where the route refuses or
    reads it otherwise."""
    params = dict(parse_qsl(query, keep_blank_values=True))
    try:
        limit = int(float(params.get("limit", "20")))
    except ValueError:
        limit = 20
    types = {t.value.lower(): t for t in ListContentType}
    content_type = types.get(params.get("contentType", "").lower(), ListContentType.ALL)
    lax = ListQuery(content_type, params.get("category"), params.get("language"))
    service, now = discovery(app), time.monotonic()
    kind = ListKind.TRENDING if path == TRENDING else ListKind.POPULAR
    service.near.put((service.key(kind, lax), limit), donor, now, now + 60)


@pytest.fixture
async def lists_app(provisioned: Settings) -> AsyncIterator[MediaMeshAPI]:
    settings = provisioned.model_copy(update={"memory_cache_ttl_seconds": 60.0})
    async with running_app(settings, "discovery") as app:
        assert isinstance(app, MediaMeshAPI) and app.fast_lists is not None
        await notices_subscribed(app)  # before the test fills the near cache
        yield app


async def test_lists_answer_alike_with_and_without_the_fast_path(
    lists_app: MediaMeshAPI, provisioned: Settings, unique: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    category = f"agree-{unique}"
    await seed(
        provisioned,
        category,
        [
            Seed(f"a-{unique}", views=30),
            Seed(f"b-{unique}", views=20, content_type="EPISODE", program_id=f"a-{unique}"),
        ],
    )
    # the unusual values of LIST_HITS, as the route reads them: lists exist for them
    await publish_filter_values(
        provisioned,
        f"agree-{unique}",
        [
            (f"{category}\tx", "en"),
            (f"\x7f{category}", "en"),
            ("x" * 100, "en"),
            (f"\ufffd\ufffd\ufffd{category}", "en"),  # as %ED%A0%80 decodes
            ("Science Fiction", "en-GB"),
            ("Science Fiction", "EN"),
            ("Science Fiction", "en-abcdefgh-abcdefgh-abcdefg"),
        ],
    )
    fast_lists = lists_app.fast_lists
    assert fast_lists is not None
    answered: list[bool] = []
    answer = fast_lists.answer

    async def recorded(scope: Scope, send: Send) -> bool:
        answered.append(await answer(scope, send))
        return answered[-1]

    monkeypatch.setattr(fast_lists, "answer", recorded)
    without = framework(lists_app)
    corpus = [(path, query, True) for path, query in LIST_HITS] + [
        (path, query, False) for query in LIST_OTHERS for path in (TRENDING, POPULAR)
    ]
    mismatches = []
    for path, template, hit in corpus:
        query = template.format(c=category)
        if hit:
            assert (await get(lists_app, path, query))[0] == 200, query  # fills the near cache
        else:
            donor = discovery(lists_app).near_hit(ListKind.TRENDING, ListQuery(), 20)
            assert donor is not None
            plant(lists_app, path, query, donor)
        for _ in range(3):  # again if a second ticked in between (max-age counts down)
            answered.clear()
            fast = await get(lists_app, path, query)
            taken = answered == [True]
            slow = await get(without, path, query)
            if fast == slow:
                break
        if fast != slow or taken != hit:
            mismatches.append((path, query, hit, taken, fast, slow))
    assert mismatches == []


# --------------------------------------------------------------------------------- events

Expect = Literal["fast", "checked", "framework"]


@dataclass(frozen=True)
class Items:
    """This test's catalog: contentIds to send events about, and a few that must fail."""

    a: str
    b: str
    odd: str  # white space and non-ASCII inside
    longest: str  # 128 characters
    gone: str  # deleted
    missing: str  # never added
    now: datetime


def _z(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _events(*events: dict[str, Any], **top: Any) -> bytes:
    return json.dumps({"events": list(events), **top}).encode()


def event_corpus(i: Items) -> list[tuple[str, Expect, bytes, dict[str, str]]]:
    """(name, expected path, body, extra headers). "fast": stored by the fast path; "checked":
    taken by plain_batch but refused by the store, so the framework says why; "framework":
    left to the framework by the fast path's checks."""
    hour_ago = i.now - timedelta(hours=1)
    view = {"contentId": i.a, "type": "view"}
    fast: list[tuple[str, bytes, dict[str, str]]] = [
        ("one view", _events(view), {}),
        (
            "every field",
            _events(
                {**view, "occurredAt": _z(hour_ago), "userId": "u1"},
                {
                    "contentId": i.b,
                    "type": "like",
                    "occurredAt": hour_ago.astimezone(timezone(timedelta(hours=2))).isoformat(
                        timespec="microseconds"
                    ),
                },
                {"contentId": i.a, "type": "complete", "occurredAt": None, "userId": None},
            ),
            {},
        ),
        (
            "unusual ids",
            _events(
                {"contentId": i.odd, "type": "view", "userId": "é\tü"},
                {"contentId": i.longest, "type": "like", "userId": "u" * 128},
            ),
            {},
        ),
        ("a thousand", _events(*[view] * 1000), {}),
        ("pretty JSON", json.dumps({"events": [view]}, indent=2).encode(), {}),
        (
            "the last key wins",
            b'{"events": [{"contentId": "x", "type": "share"}], "events": [%s]}'
            % json.dumps(view).encode(),
            {},
        ),
        (
            "the last key of an event wins",
            b'{"events": [{"contentId": "x", "contentId": %s, "type": "view"}]}'
            % json.dumps(i.a).encode(),
            {},
        ),
        ("a charset", _events(view), {"Content-Type": "application/json; charset=utf-8"}),
        ("a media type in capitals", _events(view), {"Content-Type": "Application/JSON"}),
    ]
    checked: list[tuple[str, bytes, dict[str, str]]] = [
        ("unknown contentId", _events({"contentId": i.missing, "type": "view"}), {}),
        ("deleted contentId", _events(view, {"contentId": i.gone, "type": "like"}), {}),
        ("in the future", _events({**view, "occurredAt": _z(i.now + timedelta(days=1))}), {}),
        ("too old", _events({**view, "occurredAt": _z(i.now - timedelta(days=400))}), {}),
        ("30 February", _events({**view, "occurredAt": "2031-02-30T10:00:00Z"}), {}),
    ]
    bad_events: list[tuple[str, dict[str, Any]]] = [
        ("unknown type", {**view, "type": "share"}),
        ("type in capitals", {**view, "type": "VIEW"}),
        ("type too long", {**view, "type": "v" * 33}),
        ("type not a string", {**view, "type": ["view"]}),
        ("no type", {"contentId": i.a}),
        ("empty contentId", {**view, "contentId": ""}),
        ("contentId with a leading space", {**view, "contentId": " " + i.a}),
        ("contentId with a trailing space", {**view, "contentId": i.a + " "}),
        ("contentId with a no-break space", {**view, "contentId": i.a + "\u00a0"}),
        ("contentId with NUL", {**view, "contentId": i.a + "\x00"}),
        ("contentId too long", {**view, "contentId": i.longest + "x"}),
        ("contentId a number", {**view, "contentId": 1}),
        ("contentId null", {**view, "contentId": None}),
        ("no contentId", {"type": "view"}),
        ("empty userId", {**view, "userId": ""}),
        ("userId with ESC", {**view, "userId": "u\x1b"}),
        ("userId too long", {**view, "userId": "u" * 129}),
        ("userId a number", {**view, "userId": 7}),
        ("occurredAt without a zone", {**view, "occurredAt": _z(hour_ago)[:-1]}),
        ("occurredAt in words", {**view, "occurredAt": "yesterday"}),
        ("occurredAt a timestamp", {**view, "occurredAt": int(hour_ago.timestamp())}),
        ("occurredAt with a space", {**view, "occurredAt": _z(hour_ago).replace("T", " ")}),
        ("occurredAt in nanoseconds", {**view, "occurredAt": _z(hour_ago)[:-1] + ".1234567Z"}),
        ("occurredAt true", {**view, "occurredAt": True}),
        ("an extra field", {**view, "extra": 1}),
        ("not an object", [view]),
        ("null event", None),
    ]
    framework: list[tuple[str, bytes, dict[str, str]]] = [
        *((name, _events(view, event), {}) for name, event in bad_events),
        ("no events", _events(), {}),
        ("1,001 events", _events(*[view] * 1001), {}),
        ("an extra top-level field", _events(view, extra=1), {}),
        ("no events key", b"{}", {}),
        ("events an object", b'{"events": {}}', {}),
        ("events a string", b'{"events": "x"}', {}),
        ("a list", json.dumps([view]).encode(), {}),
        ("null", b"null", {}),
        ("a string", b'"events"', {}),
        ("cut short", _events(view)[:-2], {}),
        ("empty", b"", {}),
        ("not UTF-8", b"\xff", {}),
        (
            "NaN",
            b'{"events": [{"contentId": %s, "type": "view", "userId": NaN}]}'
            % json.dumps(i.a).encode(),
            {},
        ),
        ("a byte-order mark", b"\xef\xbb\xbf" + _events(view), {}),
        ("UTF-16", _events(view).decode().encode("utf-16"), {}),
        ("no key", _events(view), {"Authorization": ""}),
        ("a wrong key", _events(view), {"Authorization": "Bearer wrong"}),
        ("plain text", _events(view), {"Content-Type": "text/plain"}),
    ]
    return [
        *((name, "fast", body, headers) for name, body, headers in fast),
        *((name, "checked", body, headers) for name, body, headers in checked),
        *((name, "framework", body, headers) for name, body, headers in framework),
    ]


@pytest.fixture
async def items(pool: asyncpg.Pool, catalog: Catalog, unique: str) -> Items:
    a, b = await catalog.add(f"ev-a-{unique}"), await catalog.add(f"ev-b-{unique}")
    odd = await catalog.add(f"é {unique}")
    longest = await catalog.add(f"L{unique}".ljust(128, "x"))
    gone = await catalog.add(f"gone-{unique}")
    await delete_item(pool, SearchIndex(), gone)
    return Items(a, b, odd, longest, gone, f"missing-{unique}", datetime.now(UTC))


async def test_events_answer_alike_with_and_without_the_fast_path(
    provisioned: Settings, items: Items, monkeypatch: pytest.MonkeyPatch
) -> None:
    bypass = False
    sizes: list[int | None] = []  # what plain_batch_size said
    stored: list[int | None] = []  # what the fast path's store said (None: refused)
    store = event_routes.ingest_plain

    def size(body: bytes) -> int | None:
        sizes.append(None if bypass else plain_batch_size(body))
        return sizes[-1]

    async def ingest_plain(*args: Any) -> int | None:
        stored.append(await store(*args))
        return stored[-1]

    monkeypatch.setattr(event_routes, "plain_batch_size", size)
    monkeypatch.setattr(event_routes, "ingest_plain", ingest_plain)
    corpus = event_corpus(items)
    async with running_app(provisioned, "discovery") as app:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://mediamesh") as http:

            async def post(body: bytes, extra: dict[str, str]) -> tuple[int, str, bytes]:
                headers = {**WRITE_HEADERS, "Content-Type": "application/json", **extra}
                headers["X-Request-ID"] = RID
                response = await http.post("/v1/discovery/events", content=body, headers=headers)
                return response.status_code, response.headers["content-type"], response.content

            mismatches = []
            for name, expect, body, headers in corpus:
                bypass = False
                sizes.clear()
                stored.clear()
                fast = await post(body, headers)
                taken = _taken(sizes, stored)
                bypass = True
                stored.clear()
                slow = await post(body, headers)
                assert stored == [], name  # the fast path was bypassed
                if fast != slow or taken != expect:
                    mismatches.append((name, expect, taken, fast[0], fast[2], slow[0], slow[2]))
    assert mismatches == []
    assert {expect for _, expect, _, _ in corpus} == {"fast", "checked", "framework"}


def _taken(sizes: list[int | None], stored: list[int | None]) -> Expect:
    """Which path answered one request."""
    if sizes and sizes[0] is not None:
        assert len(stored) == 1 and stored[0] in (None, sizes[0])
        return "fast" if stored[0] is not None else "checked"
    assert stored == []
    return "framework"
