"""Fixtures of the search tests.

`films`: settings for a database of its own holding the 36k vendored sample films (loaded
once per run through the catalog loader, ~6 s) with their shipped vectors and word counts,
with DynamoDB off so every search is
answered by the PostgreSQL path. A database of its own keeps 36k outbox rows and documents
away from the DynamoDB tests, which share the run's main database.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from mediamesh.catalog.loader import fill_sample_vectors, load_sample
from mediamesh.settings import Settings
from mediamesh.storage import postgres
from mediamesh.storage.migrations import migrate
from tests.conftest import Stack
from tests.support import api_client


@pytest.fixture(scope="session")
async def films(stack: Stack) -> AsyncIterator[Settings]:
    url = stack.database_url + "_films"
    await postgres.ensure_database(url)
    async with postgres.connect(url) as conn:
        await migrate(conn)
    pool = await postgres.create_pool(url, min_size=1, max_size=2)
    try:
        await load_sample(pool)
        # the sample's shipped vectors, as `mediamesh load --sample` stores them: every app
        # on this database searches by meaning at once, and no embedding worker has work
        await fill_sample_vectors(pool)
    finally:
        await pool.close()
    yield stack.settings(database_url=url, dynamodb_enabled=False)
    await postgres.drop_database(url)


@pytest.fixture(scope="session")
async def films_client(films: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """One search app over the films, shared by the read-only tests."""
    async with api_client(films, "search") as client:
        yield client
