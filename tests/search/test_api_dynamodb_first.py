"""The guide's search flow end to end: HTTP → DynamoDB Local first → PostgreSQL fallback.

Each test has a database and tables of its own, so the outbox relay delivers only its
documents. Waiting for the relay polls the API with a deadline; nothing asserts on time.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import httpx

from mediamesh.devstack import dynamodb_local
from mediamesh.settings import Settings
from tests.conftest import Stack
from tests.search.dynamodb_support import index_items, own_database, own_tables
from tests.search.search_api import document, ids, put, word
from tests.support import WRITE_HEADERS, api_client, running_app

DELIVERY_DEADLINE_SECONDS = 30.0


async def _get(client: httpx.AsyncClient, q: str, **filters: str) -> dict[str, Any]:
    response = await client.get("/v1/search", params={"q": q, "limit": 50, **filters})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def _until(
    client: httpx.AsyncClient, q: str, done: Callable[[dict[str, Any]], bool], **filters: str
) -> dict[str, Any]:
    """Search until `done(body)` (the relay has delivered); the last body after the deadline."""
    deadline = time.monotonic() + DELIVERY_DEADLINE_SECONDS
    while True:
        body = await _get(client, q, **filters)
        if done(body) or time.monotonic() > deadline:
            return body
        await asyncio.sleep(0.1)


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


async def test_postgres_answers_while_the_index_is_behind_by_more_than_the_lag(
    stack: Stack, unique: str
) -> None:
    """A write waiting in the outbox makes the index behind: with no lag allowed, PostgreSQL
    answers, the waiting document included; once the relay delivers, DynamoDB answers again.
    The write is held there for as long as the test needs: it comes from a process without
    DynamoDB (no outbox row, no relay), and its outbox row is added by hand as a delivery
    to retry in an hour (as after DynamoDB failed), then made due."""
    (a,) = _made_up_words(unique, 1)
    category = f"Small {unique}"
    async with (
        own_database(stack, unique) as url,
        _relayed_and_plain(stack, unique, url, search_dynamodb_max_lag_seconds=0) as (
            _,
            app,
            dyn,
            other,
        ),
    ):
        body = document(f"{a} first", category=category)
        assert (await put(dyn, f"{unique}-first", body)).status_code == 200
        await _until(dyn, a, lambda body: body["source"] == "dynamodb", category=category)

        later = document(f"{a} later", category=category)
        assert (await put(other, f"{unique}-later", later)).status_code == 200
        conn = await asyncpg.connect(url)
        try:
            await conn.execute(
                "INSERT INTO search_outbox (content_id, attempts, next_attempt_at)"
                " VALUES ($1, 1, now() + interval '1 hour')",
                f"{unique}-later",
            )
            answer = await _get(dyn, a, category=category)
            assert answer["source"] == "postgres"
            assert sorted(ids(answer)) == [f"{unique}-first", f"{unique}-later"]

            await conn.execute("UPDATE search_outbox SET next_attempt_at = now()")
        finally:
            await conn.close()
        app.state.search.relay.notify()  # deliver the waiting write
        caught_up = await _until(
            dyn,
            a,
            lambda body: body["source"] == "dynamodb" and len(body["items"]) == 2,
            category=category,
        )
        assert caught_up["source"] == "dynamodb" and caught_up["total"] == 2


@asynccontextmanager
async def _relayed_and_plain(
    stack: Stack, unique: str, url: str, **settings: Any
) -> AsyncIterator[tuple[Settings, Any, httpx.AsyncClient, httpx.AsyncClient]]:
    """On the database `url`: the settings and app of a search process with DynamoDB, whose
    relay polls only every 300 s (it delivers on its own writes' notify), a client of that
    app, and a client of a process with DynamoDB off (its writes reach no outbox)."""
    on = await own_tables(
        stack, unique, database_url=url, search_outbox_poll_seconds=300, **settings
    )
    async with (
        running_app(on, "search") as app,
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://mediamesh"
        ) as dyn,
        api_client(_with_dynamodb_off(on), "search") as other,
    ):
        yield on, app, dyn, other


def _made_up_words(unique: str, count: int) -> list[str]:
    """Words unique to one test and unlike each other (no shared trigrams but "zq"), so no
    typo-tolerant match links them."""
    return [word(hashlib.sha256(f"{unique}{n}".encode()).hexdigest()[:10]) for n in range(count)]


def _with_dynamodb_off(settings: Settings) -> Settings:
    """The same database, answered by PostgreSQL alone: the reference for every answer."""
    return settings.model_copy(update={"dynamodb_enabled": False})


async def test_operators_mean_the_same_on_both_paths_and_in_suggestions(
    stack: Stack, unique: str
) -> None:
    a, b, c, d = _made_up_words(unique, 4)
    corpus = {
        "ab": document(f"{a} {b}"),
        "ba": document(f"{b} {a}"),
        "a": document(a),
        "ad": document(f"{a} {d}"),
        "ac": document(f"{a} {c}", description=f"Nothing about {b} here."),
        "c": document(c),
    }
    category = f"Small {unique}"  # a partition well within DynamoDB's read budget
    # ({query: the documents websearch_to_tsquery matches}); PostgreSQL answers them all
    operators = {
        f"{a} -{b}": {"a", "ad"},
        f"{a} - {b}": {"a", "ad"},
        f"-{b} {c}": {"c"},
        f'"{b} {a}"': {"ba"},
        f'"{a} {b}"': {"ab"},
        f"{a} or {c}": {"ab", "ba", "a", "ad", "ac", "c"},
        f"{c} OR {d}": {"ac", "c", "ad"},
    }
    plain = {f"{a} {b}": {"ab", "ba", "ac"}, f"{a} {d}": {"ad"}, c: {"ac", "c"}}
    async with own_database(stack, unique) as url:
        # typo-tolerant matches are the PostgreSQL path's own (docs/SEARCH.md): off, so
        # the plain queries can be compared with DynamoDB's whole-word answers
        on = await own_tables(stack, unique, database_url=url, search_typo_fallback_below=0)
        async with (
            api_client(on, "search") as dyn,
            api_client(_with_dynamodb_off(on), "search") as pg,
        ):
            batch = [
                {"contentId": f"{unique}-{key}", "category": category, **body}
                for key, body in corpus.items()
            ]
            response = await dyn.post(
                "/v1/search/index", json={"documents": batch}, headers=WRITE_HEADERS
            )
            assert response.status_code == 200, response.text

            def keys(body: dict[str, Any]) -> set[str]:
                return {content_id.removeprefix(f"{unique}-") for content_id in ids(body)}

            for q, expected in plain.items():
                found = await _until(
                    dyn,
                    q,
                    lambda body, e=expected: body["source"] == "dynamodb" and keys(body) == e,
                    category=category,
                )
                assert found["source"] == "dynamodb" and keys(found) == expected, q
                reference = await _get(pg, q, category=category)
                assert reference["source"] == "postgres" and keys(reference) == expected, q
            for q, expected in operators.items():
                answer = await _get(dyn, q, category=category)
                reference = await _get(pg, q, category=category)
                assert answer["source"] == reference["source"] == "postgres", q
                assert ids(answer) == ids(reference) and keys(answer) == expected, q
                suggested = await dyn.get("/v1/search/suggest", params={"q": q, "limit": 20})
                assert suggested.status_code == 200, suggested.text
                found = {s["contentId"] for s in suggested.json()["suggestions"]}
                assert found == {f"{unique}-{key}" for key in expected}, q


async def test_dynamodb_never_serves_what_postgres_deleted_before_the_relay_ran(
    stack: Stack, unique: str
) -> None:
    (a,) = _made_up_words(unique, 1)
    category = f"Small {unique}"
    # the relay delivers the documents, then waits for a notify; the deletes below are made
    # by a process without DynamoDB (no outbox row): the index keeps them
    async with (
        own_database(stack, unique) as url,
        _relayed_and_plain(stack, unique, url) as (on, app, dyn, other),
    ):
        for key in ("keep", "gone", "later"):
            body = document(f"{a} {key}", category=category)
            assert (await put(dyn, f"{unique}-{key}", body)).status_code == 200
        both = await _until(
            dyn,
            a,
            lambda body: body["source"] == "dynamodb" and len(body["items"]) == 3,
            category=category,
        )
        assert both["source"] == "dynamodb" and both["total"] == 3

        deleted = await other.delete(f"/v1/search/index/{unique}-gone", headers=WRITE_HEADERS)
        assert deleted.status_code == 204
        answer = await _get(dyn, a, category=category)
        assert answer["source"] == "dynamodb"
        assert sorted(ids(answer)) == [f"{unique}-keep", f"{unique}-later"]
        assert answer["total"] == 2 and answer["facets"]["category"] == {category: 2}
        # the index still holds it: the answer was checked, not the index updated
        assert f"{unique}-gone" in await index_items(on)

        # while PostgreSQL fails (its breaker open), DynamoDB's matches are served as read
        breaker = app.state.search.stores.breakers.postgres_reads
        for _ in range(breaker.failure_threshold):
            breaker.failed()
        unchecked = await _get(dyn, a, category=category)
        assert unchecked["source"] == "dynamodb" and len(unchecked["items"]) == 3
        breaker.succeeded()

        for key in ("keep", "later"):
            gone = await other.delete(f"/v1/search/index/{unique}-{key}", headers=WRITE_HEADERS)
            assert gone.status_code == 204
        # every match deleted: nothing from DynamoDB, PostgreSQL answers
        empty = await _get(dyn, a, category=category)
        assert empty["source"] == "postgres" and empty["items"] == []
        assert len(await index_items(on)) == 3
