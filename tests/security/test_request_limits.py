"""MAX_REQUEST_BYTES: refused with 413 before any parsing, whether declared or streamed; a
realistic largest batch fits with room to spare; JSON bombs get a 4xx."""

from __future__ import annotations

import gzip
from collections.abc import AsyncIterator

import orjson
import pytest
from starlette.types import Message, Receive, Scope, Send

from mediamesh.catalog.loader import open_sample
from mediamesh.http.body_limit import BodySizeLimit
from mediamesh.settings import Settings, load_settings
from tests.support import WRITE_HEADERS, api_client

SMALL = 4096
URL = "/v1/search/index"


@pytest.fixture
def small(provisioned: Settings) -> Settings:
    return provisioned.model_copy(update={"max_request_bytes": SMALL})


async def _chunks(size: int, chunk: int = 1000) -> AsyncIterator[bytes]:
    for start in range(0, size, chunk):
        yield b" " * min(chunk, size - start)


async def test_a_declared_length_over_the_limit_gets_413(small: Settings) -> None:
    async with api_client(small) as client:
        response = await client.post(URL, content=b"x" * (SMALL + 1), headers=WRITE_HEADERS)
    assert response.status_code == 413
    error = response.json()["error"]
    assert error["code"] == "payload_too_large"
    assert f"{SMALL} bytes (MAX_REQUEST_BYTES)" in error["message"]


async def test_a_streamed_body_over_the_limit_gets_413(small: Settings) -> None:
    async with api_client(small) as client:
        response = await client.post(URL, content=_chunks(SMALL + 1), headers=WRITE_HEADERS)
    assert "content-length" not in response.request.headers  # chunked: counted as it comes
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"


async def test_a_body_at_the_limit_reaches_the_route(small: Settings) -> None:
    async with api_client(small) as client:
        response = await client.post(URL, content=_chunks(SMALL), headers=WRITE_HEADERS)
    assert response.status_code == 422  # all spaces: parsed, and refused as invalid JSON
    assert response.json()["error"]["code"] == "invalid_input"


async def test_the_limit_is_checked_before_the_key(small: Settings) -> None:
    async with api_client(small) as client:
        response = await client.post(URL, content=b"x" * (SMALL + 1))
    assert response.status_code == 413  # nobody gets to make us read a huge body


def test_the_default_fits_the_largest_realistic_batches() -> None:
    default = load_settings({}).max_request_bytes
    with open_sample() as handle:
        items = sorted((orjson.loads(line) for line in handle), key=lambda i: -len(str(i)))
    biggest_items = len(orjson.dumps({"items": items[:500]}))
    longest_event = {
        "contentId": "c" * 128,
        "type": "complete",
        "occurredAt": "2024-01-16T12:00:00.000000+00:00",
        "userId": "u" * 128,
    }
    longest_events = len(orjson.dumps({"events": [longest_event] * 1000}))
    assert default >= 4 * max(biggest_items, longest_events), (biggest_items, longest_events)


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 200_000,
        b'{"a":' * 100_000,
        b"[" * 500 + b"]" * 500,
        b'{"documents": ' + b"[" * 3000 + b"]" * 3000 + b"}",
        b'{"documents": [' + b"0," * 1_000_000 + b"0]}",
        b'{"documents": [], "documents": "twice"}',
        b'{"documents": [{"contentId": "a", "contentId": "b"}]}',
        b'"' + b"\\ud800" * 1000 + b'"',
        b"",
        b"null",
        gzip.compress(b'{"documents": []}'),
    ],
    ids=[
        "deep-arrays",
        "deep-objects",
        "balanced-500",
        "nested-in-field",
        "million-element-array",
        "duplicate-keys",
        "duplicate-keys-in-item",
        "lone-surrogates",
        "empty",
        "null",
        "gzip-bytes",
    ],
)
async def test_json_bombs_get_a_4xx(provisioned: Settings, body: bytes) -> None:
    async with api_client(provisioned) as client:
        response = await client.post(
            URL, content=body, headers={**WRITE_HEADERS, "Content-Type": "application/json"}
        )
    assert 400 <= response.status_code < 500, response.text[:500]
    assert set(response.json()["error"]) >= {"code", "message"}


# --- the middleware alone: what it does before the app is called ---


class _App:
    def __init__(self) -> None:
        self.bodies: list[bytes] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        message = await receive()
        self.bodies.append(message["body"])
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})


async def _call(headers: list[tuple[bytes, bytes]], body: bytes) -> tuple[_App, list[Message]]:
    app, sent, received = _App(), [], []

    async def receive() -> Message:
        received.append(1)
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/", "headers": headers}
    await BodySizeLimit(app, 10)(scope, receive, send)
    return app, [*sent, {"type": "received", "count": len(received)}]


@pytest.mark.parametrize(
    ("length", "status"),
    [(b"11", 413), (b"99999999999999999999999999", 413), (b"ten", 400), (b"-1", 400)],
)
async def test_a_bad_or_large_content_length_is_refused_unread(length: bytes, status: int) -> None:
    app, sent = await _call([(b"content-length", length)], b"x" * 11)
    assert app.bodies == []
    assert sent[0]["status"] == status
    assert sent[-1] == {"type": "received", "count": 0}  # not one byte was read


async def test_a_body_within_the_limit_is_handed_on_whole() -> None:
    app, sent = await _call([(b"content-length", b"10")], b"0123456789")
    assert app.bodies == [b"0123456789"]
    assert sent[0]["status"] == 204
