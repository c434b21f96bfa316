from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from mediamesh.errors import MediaMeshError
from mediamesh.storage import postgres
from mediamesh.storage.migrations import available, migrate, pending
from tests.conftest import ADMIN_DATABASE_URL


@pytest.fixture
async def empty_database(unique: str) -> AsyncIterator[str]:
    url = ADMIN_DATABASE_URL.rsplit("/", 1)[0] + f"/mediamesh_migrations_{unique}"
    assert await postgres.ensure_database(url) is True
    assert await postgres.ensure_database(url) is False
    yield url
    await postgres.drop_database(url)


async def test_migrate_applies_everything_once(empty_database: str) -> None:
    async with postgres.connect(empty_database) as conn:
        assert len(await pending(conn)) == len(available())
        applied = await migrate(conn)
        assert [m.version for m in applied] == [m.version for m in available()]
        assert await migrate(conn) == []
        assert await pending(conn) == []
        tables = {
            r["tablename"]
            for r in await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        }
    assert {
        "catalog_items",
        "engagement_events",
        "engagement_hourly",
        "engagement_daily",
        "engagement_view_dedup",
        "engagement_inbox",
        "search_documents",
        "search_outbox",
        "schema_migrations",
    } <= tables


async def test_concurrent_migrations_apply_each_file_once(empty_database: str) -> None:
    async def run() -> int:
        async with postgres.connect(empty_database) as conn:
            return len(await migrate(conn))

    counts = await asyncio.gather(*(run() for _ in range(4)))
    assert sorted(counts) == [0, 0, 0, len(available())]


async def test_an_edited_migration_is_refused(empty_database: str) -> None:
    async with postgres.connect(empty_database) as conn:
        await migrate(conn)
        await conn.execute("UPDATE schema_migrations SET checksum = 'edited' WHERE version = 2")
        with pytest.raises(MediaMeshError, match="changed after it was applied"):
            await migrate(conn)


async def test_search_vector_is_weighted_and_accent_insensitive(empty_database: str) -> None:
    async with postgres.connect(empty_database) as conn:
        await migrate(conn)
        await conn.execute(
            "INSERT INTO search_documents (content_id, content_type, title, description, category,"
            " tags, updated_at) VALUES ('x', 'PROGRAM', 'Amélie', 'A café in Paris', 'Comedy',"
            " '{Romance}', now())"
        )
        row = await conn.fetchrow("SELECT title_norm, document::text AS doc FROM search_documents")
        hit = await conn.fetchval(
            "SELECT document @@ websearch_to_tsquery('public.mediamesh_english', 'amelie cafe')"
            " FROM search_documents"
        )
    assert row["title_norm"] == "amelie"
    assert "'ameli':1A" in row["doc"] and "'romanc':2B" in row["doc"]
    assert "'comedi':3C" in row["doc"] and "'cafe':5" in row["doc"]
    assert hit is True


async def test_missing_database_is_a_clear_error(unique: str) -> None:
    url = ADMIN_DATABASE_URL.rsplit("/", 1)[0] + f"/mediamesh_absent_{unique}"
    with pytest.raises(MediaMeshError, match="does not exist: run `mediamesh db migrate`"):
        async with postgres.connect(url):
            pass


async def test_unreachable_postgres_is_a_clear_error() -> None:
    with pytest.raises(MediaMeshError, match="PostgreSQL is not reachable"):
        async with postgres.connect("postgresql://postgres@127.0.0.1:1/x"):
            pass
