"""The guide's search flow end to end: HTTP → DynamoDB Local first → PostgreSQL fallback.

Each test has a database and tables of its own, so the outbox relay delivers only its
documents. Waiting for the relay polls the API with a deadline; nothing asserts on time.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx

from mediamesh.devstack import dynamodb_local
from tests.conftest import Stack
from tests.search.dynamodb_support import own_database, own_tables
from tests.search.search_api import document, ids, put, word
from tests.support import api_client

DELIVERY_DEADLINE_SECONDS = 30.0


async def _get(client: httpx.AsyncClient, q: str) -> dict[str, Any]:
    response = await client.get("/v1/search", params={"q": q})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def _until_dynamodb_answers(client: httpx.AsyncClient, q: str) -> dict[str, Any]:
    """Search until DynamoDB answers (the relay has delivered); fail after the deadline."""
    deadline = time.monotonic() + DELIVERY_DEADLINE_SECONDS
    while True:
        body = await _get(client, q)
        if body["source"] == "dynamodb" or time.monotonic() > deadline:
            return body
        await asyncio.sleep(0.1)


async def test_dynamodb_answers_short_queries_and_postgres_the_rest(
    stack: Stack, unique: str
) -> None:
    w = word(unique)
    async with own_database(stack, unique) as url:
        settings = await own_tables(stack, unique, database_url=url)
        async with api_client(settings, "search") as client:
            await put(client, unique, document(f"The {w} Affair", description="A heist."))
            short = await _until_dynamodb_answers(client, w)
            assert short["source"] == "dynamodb" and ids(short) == [unique]

            long_q = f"{w} affair " + "heist " * 8
            assert len(long_q) >= settings.search_dynamodb_max_query_length
            long = await _get(client, long_q)
            assert long["source"] == "postgres" and ids(long) == [unique]

            # DynamoDB matches whole words only; the prefix is PostgreSQL's to find
            prefix = await _get(client, w[:-2])
            assert prefix["source"] == "postgres" and ids(prefix) == [unique]


async def test_postgres_answers_while_dynamodb_is_frozen(stack: Stack, unique: str) -> None:
    server = dynamodb_local.start(dynamodb_local.free_port())
    try:
        async with own_database(stack, unique) as url:
            settings = await own_tables(
                stack,
                unique,
                database_url=url,
                dynamodb_endpoint=server.endpoint,
                dynamodb_read_timeout_seconds=0.3,
                dynamodb_connect_timeout_seconds=0.3,
                dynamodb_max_attempts=1,
                search_dynamodb_timeout_seconds=0.5,
            )
            w = word(unique)
            async with api_client(settings, "search") as client:
                await put(client, unique, document(f"{w} frozen"))
                assert (await _until_dynamodb_answers(client, w))["source"] == "dynamodb"
                server.pause()
                try:
                    body = await _get(client, w)
                finally:
                    server.resume()
                assert body["source"] == "postgres" and ids(body) == [unique]
    finally:
        server.stop()
