"""Whatever a client sends, the answer is a 2xx or a clear 4xx JSON error, never a 5xx."""

from __future__ import annotations

import base64

import httpx
import orjson
import pytest

from mediamesh.settings import Settings
from tests.search.search_api import WRITE_HEADERS, document, put
from tests.support import api_client

ODD_QUERIES = [
    "god\x00father",
    "\x00",
    "& | ! ( ) : * \\",
    "the godfather:* & !",
    "'''",
    '"',
    '"unclosed phrase',
    '""',
    "-",
    "- -",
    "--godfather",
    '-"" or or OR -',
    "or",
    "!(a|b)&c:*",
    "\\\\\\",
    "<script>alert(1)</script>",
    "🎬🍿 movie night 🎉",
    "👨‍👩‍👧",
    "مرحبا بالعالم",
    "שלום עולם \u200f",
    "\u202eevil",
    "a" * 256,
    "word " * 51,
    "%s %d %%",
    "' OR 1=1; --",
    "\ufeff\ufffd",
    "x" + "\u0301" * 100,
]


@pytest.mark.parametrize("q", ODD_QUERIES)
async def test_odd_queries_are_answered(films_client: httpx.AsyncClient, q: str) -> None:
    for path in ("/v1/search", "/v1/search/suggest"):
        response = await films_client.get(path, params={"q": q})
        assert response.status_code == 200, (path, q, response.text)
        assert response.json()["query"] == q


async def test_nul_is_ignored_rather_than_refused(films_client: httpx.AsyncClient) -> None:
    plain = await films_client.get("/v1/search", params={"q": "casablanca"})
    with_nul = await films_client.get("/v1/search", params={"q": "casa\x00 blanca\x00casablanca"})
    assert with_nul.json()["items"][0]["contentId"] == plain.json()["items"][0]["contentId"]


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"q": "x" * 10_000}, "query.q"),
        ({"q": "x" * 257}, "at most 256"),
        ({"q": "x", "limit": 0}, "query.limit"),
        ({"q": "x", "limit": 101}, "query.limit"),
        ({"q": "x", "limit": "ten"}, "query.limit"),
        ({"q": "x", "contentType": "SERIES"}, "query.contentType"),
        ({"q": "x", "category": "a\x00b"}, "control characters"),
        ({"q": "x", "tag": "t" * 101}, "query.tag"),
        ({"q": "x", "language": ""}, "query.language"),
    ],
)
async def test_invalid_parameters_get_a_422(
    films_client: httpx.AsyncClient, params: dict[str, object], fragment: str
) -> None:
    response = await films_client.get("/v1/search", params=params)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_input"
    assert fragment in error["message"]


def _token(payload: object) -> str:
    return "p." + base64.urlsafe_b64encode(orjson.dumps(payload)).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage",
        "p.",
        "p.!!!",
        "p.e30",  # {}
        "d.",
        "x.abc",
        _token(["f", 1.0, "t", "id"]),
        _token([1, 2]),
        "p." + "A" * 4000,
    ],
)
async def test_bad_cursors_get_a_400(films_client: httpx.AsyncClient, cursor: str) -> None:
    response = await films_client.get("/v1/search", params={"q": "jaws", "cursor": cursor})
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "invalid_input"


async def test_a_dynamodb_cursor_without_dynamodb_is_refused(
    films_client: httpx.AsyncClient,
) -> None:
    response = await films_client.get("/v1/search", params={"q": "jaws", "cursor": "d.abc"})
    assert response.status_code == 400
    assert "DynamoDB" in response.json()["error"]["message"]


async def test_a_forged_cursor_with_a_nul_is_refused(films_client: httpx.AsyncClient) -> None:
    first = (await films_client.get("/v1/search", params={"q": "jaws", "limit": 1})).json()
    token = first["nextCursor"].removeprefix("p.")
    fingerprint = orjson.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))[0]
    forged = _token([fingerprint, 0.5, "a\x00b", "id"])
    response = await films_client.get("/v1/search", params={"q": "jaws", "cursor": forged})
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("content_id", "body", "status"),
    [
        ("ok", document("a\x00b"), 422),
        ("ok", document("x", tags=["a\x00"]), 422),
        ("ok", document("x", updatedAt="yesterday"), 422),
        ("ok", document("x", contentType="MOVIE"), 422),
        ("ok", document("x", extra=1), 422),
        ("ok", document(""), 422),
        ("ok", document("x" * 501), 422),
        ("a%00b", document("x"), 422),
        (" padded", document("x"), 422),
        ("x" * 129, document("x"), 422),
    ],
)
async def test_bad_documents_get_a_422(
    films: Settings, content_id: str, body: dict[str, object], status: int
) -> None:
    async with api_client(films, "search") as client:
        response = await put(client, content_id, body)
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == "invalid_input"


async def test_a_lone_surrogate_in_json_is_refused(films: Settings) -> None:
    raw = b'{"contentType": "PROGRAM", "title": "bad \\ud800 title"}'
    async with api_client(films, "search") as client:
        response = await client.put(
            "/v1/search/index/surrogate",
            content=raw,
            headers={**WRITE_HEADERS, "Content-Type": "application/json"},
        )
    assert 400 <= response.status_code < 500, response.text
