"""Error answers never name a host, user, database or password, whoever asks (no key, a write
key), while the log keeps where it failed (password masked). PostgreSQL is shared and cannot
be stopped here: the app is pointed at a port where nothing listens, or at a database that
does not exist, through URLs full of names that must not come out."""

from __future__ import annotations

import logging
from typing import Any

import httpx
import pytest

from mediamesh.devstack.dynamodb_local import free_port
from mediamesh.settings import Settings
from tests.conftest import Stack
from tests.support import WRITE_HEADERS, api_client

PASSWORD = "hunter2-pw"


def _requests(unique: str) -> list[tuple[str, str, dict[str, Any]]]:
    """(method, path, httpx arguments) of a read and a write of every service, and readiness."""
    item = {"contentType": "PROGRAM", "title": "t"}
    return [
        ("GET", "/v1/search", {"params": {"q": "jaws"}}),
        ("GET", "/v1/search/suggest", {"params": {"q": "jaw"}}),
        ("GET", "/v1/discovery/trending", {"params": {"category": f"c{unique}"}}),
        ("PUT", f"/v1/search/index/{unique}", {"json": item, "headers": WRITE_HEADERS}),
        ("PUT", f"/v1/catalog/items/{unique}", {"json": item, "headers": WRITE_HEADERS}),
        (
            "POST",
            "/v1/discovery/events",
            {"json": {"events": [{"contentId": unique, "type": "view"}]}, "headers": WRITE_HEADERS},
        ),
        ("GET", "/health/ready", {}),
    ]


async def _answers(settings: Settings, unique: str) -> list[httpx.Response]:
    async with api_client(settings) as client:
        return [await client.request(m, path, **kw) for m, path, kw in _requests(unique)]


def _leaks(response: httpx.Response, secrets: list[str]) -> list[str]:
    return [secret for secret in secrets if secret in response.text]


async def test_an_unreachable_postgres_is_not_described_to_callers(
    stack: Stack, unique: str, caplog: pytest.LogCaptureFixture
) -> None:
    user, database, port = f"mm_user_{unique}", f"mm_db_{unique}", free_port()
    url = f"postgresql://{user}:{PASSWORD}@localhost:{port}/{database}"
    settings = stack.settings(database_url=url, dynamodb_enabled=False)
    caplog.set_level(logging.INFO)

    answers = await _answers(settings, unique)

    secrets = [user, database, "localhost", f":{port}", PASSWORD, "postgresql://"]
    assert [(r.request.url.path, _leaks(r, secrets)) for r in answers] == [
        (r.request.url.path, []) for r in answers
    ]
    *api, ready = answers
    assert [(r.status_code, r.json()["error"]["code"]) for r in api] == [
        (503, "postgres_unavailable")
    ] * len(api)
    assert all("PostgreSQL is unavailable" in r.json()["error"]["message"] for r in api)
    assert ready.json()["dependencies"]["postgres"]["status"] == "down"
    # the operator's log says where, without the password
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert f"postgresql://{user}:***@localhost:{port}/{database}" in logged
    assert PASSWORD not in logged


async def test_a_missing_database_is_named_only_in_the_log(
    stack: Stack, unique: str, caplog: pytest.LogCaptureFixture
) -> None:
    database = f"mm_absent_{unique}"
    server = stack.database_url.rsplit("/", 1)[0]  # the real PostgreSQL, trust auth
    settings = stack.settings(database_url=f"{server}/{database}", dynamodb_enabled=False)
    caplog.set_level(logging.INFO)
    async with api_client(settings, "search") as client:
        read = await client.get("/v1/search", params={"q": "jaws"})
        write = await client.put(
            f"/v1/search/index/{unique}",
            json={"contentType": "PROGRAM", "title": "t"},
            headers=WRITE_HEADERS,
        )
    for response in (read, write):
        assert response.status_code == 503
        error = response.json()["error"]
        assert error["code"] == "postgres_unavailable"
        # actionable, and anonymous: what to run, not which database
        assert "the database does not exist" in error["message"]
        assert "mediamesh db migrate" in error["message"]
        assert database not in response.text and "127.0.0.1" not in response.text
    assert database in "\n".join(record.getMessage() for record in caplog.records)
