"""The PostgreSQL path reads the counts and the page on two pooled connections at once, in one
exported snapshot (search/postgres/search.py); on one connection when none is spare."""

from __future__ import annotations

from typing import Any

import asyncpg
import httpx
import pytest

from mediamesh.search.postgres import repository as postgres_repository
from mediamesh.search.postgres import search as postgres_search
from mediamesh.settings import Settings
from tests.search.search_api import document, ids, put, search, word
from tests.support import api_client

# typo fallback, prefix, words, filters, exclusion, browse: every branch of the page statement
QUERIES: list[dict[str, Any]] = [
    {"q": "godfathr"},
    {"q": "termin"},
    {"q": "star wars"},
    {"q": "film", "category": "Drama"},
    {"q": "war -star", "contentType": "PROGRAM"},
    {"q": "", "category": "Comedy"},
]


async def _answers(client: httpx.AsyncClient) -> list[dict[str, Any]]:
    """Each query's first two pages (the second one through the first one's cursor)."""
    bodies = []
    for params in QUERIES:
        first = await search(client, limit=5, **params)
        second = await search(client, limit=5, cursor=first["nextCursor"], **params)
        bodies += [first, second]
    return bodies


async def test_two_connections_answer_as_one_does(
    films: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    joined = 0
    join = postgres_repository.join_snapshot

    async def counted_join(conn: asyncpg.Connection, snapshot: str, seconds: float) -> None:
        nonlocal joined
        joined += 1
        await join(conn, snapshot, seconds)

    monkeypatch.setattr(postgres_repository, "join_snapshot", counted_join)
    async with api_client(films, "search") as client:
        two = await _answers(client)
    assert joined == len(two)  # every request read its page on a second connection
    one_connection = films.model_copy(update={"database_pool_max_size": 1})
    async with api_client(one_connection, "search") as client:
        one = await _answers(client)
    assert joined == len(two)  # no connection to spare: never tried
    assert one == two


async def test_the_page_is_read_in_the_snapshot_of_the_counts(
    films: Settings, unique: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A document committed after the counts' snapshot was taken, before the second
    connection reads the page: neither the counts nor the page see it."""
    w = word(unique)
    join = postgres_repository.join_snapshot

    async def join_after_a_commit(conn: asyncpg.Connection, snapshot: str, seconds: float) -> None:
        other = await asyncpg.connect(films.database_url)
        try:
            await other.execute(
                "INSERT INTO search_documents (content_id, content_type, title, description,"
                " updated_at) VALUES ($1, 'PROGRAM', $2, '', now())",
                f"{unique}-late",
                f"{w} late",
            )
        finally:
            await other.close()
        await join(conn, snapshot, seconds)

    try:
        async with api_client(films, "search") as client:
            assert (await put(client, f"{unique}-early", document(f"{w} early"))).status_code == 200
            monkeypatch.setattr(postgres_repository, "join_snapshot", join_after_a_commit)
            before = await search(client, q=w)
            monkeypatch.undo()
            after = await search(client, q=w)
        assert (before["total"], ids(before)) == (1, [f"{unique}-early"])
        assert after["total"] == 2 and sorted(ids(after)) == [f"{unique}-early", f"{unique}-late"]
    finally:
        conn = await asyncpg.connect(films.database_url)
        try:
            await conn.execute(
                "DELETE FROM search_documents WHERE content_id = $1", f"{unique}-late"
            )
        finally:
            await conn.close()


async def test_without_a_connection_in_time_the_page_is_read_on_the_first(
    films: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the pool looks like it has one to spare but has none: the wait ends, no 503
    monkeypatch.setattr(postgres_search, "_spare_connection", lambda pool: True)
    monkeypatch.setattr(postgres_search, "SECOND_CONNECTION_WAIT", 0.01)
    one_connection = films.model_copy(update={"database_pool_max_size": 1})
    async with api_client(one_connection, "search") as client:
        body = await search(client, q="godfather", limit=3)
    monkeypatch.undo()
    async with api_client(films, "search") as client:
        assert body == await search(client, q="godfather", limit=3)
