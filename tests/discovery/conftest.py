"""Fixtures of the discovery tests: a pool on this run's database, and helpers that write
catalog items and events through the real write paths (catalog service, ingestion)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest

from mediamesh.catalog.models import CatalogItem
from mediamesh.catalog.service import upsert_items
from mediamesh.discovery.events import aggregator
from mediamesh.discovery.events.ingestion import ingest
from mediamesh.discovery.events.models import AcceptedTimes, EventIn
from mediamesh.discovery.events.writer import EventWriter
from mediamesh.search.indexing.catalog_port import SearchIndex
from mediamesh.storage import postgres
from tests.conftest import Stack

# Tests compute lists at a fixed moment (mid-hour) in the future, so their buckets are their
# own and the hour arithmetic in expected values is plain.
NOW = datetime(2031, 3, 10, 10, 30, tzinfo=UTC)
TIMES = AcceptedTimes(max_age=timedelta(days=30), max_skew=timedelta(seconds=60))


@pytest.fixture(scope="session")
async def pool(stack: Stack) -> AsyncIterator[asyncpg.Pool]:
    pool = await postgres.create_pool(stack.database_url, min_size=1, max_size=4)
    yield pool
    await pool.close()


@pytest.fixture(scope="session")
def writer(pool: asyncpg.Pool) -> EventWriter:
    return EventWriter(pool)


@dataclass(frozen=True)
class Catalog:
    """Writes items of one test; all share `category` so a filtered list shows only them."""

    pool: asyncpg.Pool
    category: str

    async def add(self, content_id: str, **fields: Any) -> str:
        body: dict[str, Any] = {
            "contentId": content_id,
            "contentType": "EPISODE" if fields.get("programId") else "PROGRAM",
            "title": f"Title of {content_id}",
            "description": f"About {content_id}",
            "category": self.category,
            "language": "en",
        }
        body.update(fields)
        await upsert_items(self.pool, SearchIndex(), [CatalogItem.model_validate(body)])
        return content_id


@pytest.fixture
def catalog(pool: asyncpg.Pool, unique: str) -> Catalog:
    return Catalog(pool, f"cat-{unique}")


AddEvents = Callable[..., Awaitable[int]]


@pytest.fixture
def add_events(writer: EventWriter) -> AddEvents:
    """`await add_events(content_id, "view", hours_ago=1.5, user="u1", times=2)`: stored and
    folded into the rollups (as a list computation would fold them first)."""

    async def add(
        content_id: str,
        kind: str = "view",
        *,
        at: datetime | None = None,
        hours_ago: float = 0.0,
        user: str | None = None,
        times: int = 1,
    ) -> int:
        occurred = at if at is not None else NOW - timedelta(hours=hours_ago)
        event = EventIn(contentId=content_id, type=kind, occurredAt=occurred, userId=user)
        stored = await ingest(writer, [event] * times, TIMES, NOW)
        await aggregator.settle(writer.pool)
        return stored

    return add
