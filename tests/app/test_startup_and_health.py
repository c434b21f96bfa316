from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from mediamesh.errors import TableSchemaMismatch
from mediamesh.settings import Settings
from tests.conftest import Stack
from tests.support import api_client, running_app


@pytest.fixture
async def counting_listener() -> AsyncIterator[tuple[int, list[int]]]:
    """A TCP port that counts the connections made to it."""
    accepted: list[int] = []

    async def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted.append(1)
        writer.close()

    server = await asyncio.start_server(on_connect, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    yield port, accepted
    server.close()
    await server.wait_closed()


async def test_missing_tables_stop_start_up_with_the_fix(stack: Stack, unique: str) -> None:
    settings = stack.settings(table_prefix=f"absent{unique}-")
    with pytest.raises(TableSchemaMismatch) as caught:
        async with running_app(settings, "discovery"):
            pass
    assert f"absent{unique}-mediamesh-trending: table does not exist" in caught.value.message
    assert "mediamesh tables create" in caught.value.message


async def test_disabled_dynamodb_is_never_contacted(
    stack: Stack, counting_listener: tuple[int, list[int]]
) -> None:
    port, accepted = counting_listener
    settings = stack.settings(dynamodb_enabled=False, dynamodb_endpoint=f"http://127.0.0.1:{port}")
    async with api_client(settings) as client:
        ready = await client.get("/health/ready")
    assert ready.status_code == 200
    assert set(ready.json()["dependencies"]) == {"postgres", "redis"}
    assert accepted == []


async def test_unreachable_dynamodb_does_not_stop_start_up(stack: Stack) -> None:
    settings = stack.settings(dynamodb_endpoint="http://127.0.0.1:1")
    async with api_client(settings) as client:
        ready = await client.get("/health/ready")
    body = ready.json()
    assert ready.status_code == 200
    assert body["dependencies"]["dynamodb"]["status"] == "down"
    assert body["dependencies"]["postgres"]["status"] == "up"


async def test_health(provisioned: Settings) -> None:
    async with api_client(provisioned) as client:
        live = await client.get("/health/live")
        ready = await client.get("/health/ready")
    assert live.json() == {
        "status": "ok",
        "breakers": dict.fromkeys(
            (
                "dynamodb_lists",
                "redis_lists",
                "dynamodb_search",
                "postgres_reads",
                "postgres_writes",
            ),
            "closed",
        ),
    }
    deps = ready.json()["dependencies"]
    assert {name: d["status"] for name, d in deps.items()} == {
        "postgres": "up",
        "redis": "up",
        "dynamodb": "up",
    }
    assert all(d["latencyMs"] >= 0 for d in deps.values())


async def test_unknown_route_has_the_error_shape(provisioned: Settings) -> None:
    async with api_client(provisioned) as client:
        response = await client.get("/v1/nowhere")
    assert response.status_code == 404
    assert response.json() == {"error": {"code": "not_found", "message": "Not Found"}}
