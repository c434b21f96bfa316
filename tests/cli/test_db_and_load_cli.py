from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest

from mediamesh.settings import Settings
from mediamesh.storage import postgres
from tests.cli.run import mediamesh
from tests.conftest import ADMIN_DATABASE_URL, Stack


@pytest.fixture
def fresh_db(stack: Stack, unique: str) -> Iterator[Settings]:
    url = ADMIN_DATABASE_URL.rsplit("/", 1)[0] + f"/mediamesh_cli_{unique}"
    yield stack.settings(database_url=url)
    asyncio.run(postgres.drop_database(url))


def count(url: str, sql: str) -> int:
    async def go() -> int:
        conn = await asyncpg.connect(url)
        try:
            return int(await conn.fetchval(sql))
        finally:
            await conn.close()

    return asyncio.run(go())


def test_migrate_creates_the_database_and_is_idempotent(fresh_db: Settings) -> None:
    first = mediamesh(fresh_db, "db", "migrate")
    assert first.returncode == 0, first.stderr
    assert "created database" in first.stdout and "applied 0001_extensions" in first.stdout
    second = mediamesh(fresh_db, "db", "migrate")
    assert second.returncode == 0 and "applied" not in second.stdout
    status = mediamesh(fresh_db, "db", "status")
    assert status.returncode == 0 and "up to date" in status.stdout


def test_load_a_file_and_report_bad_lines(fresh_db: Settings, tmp_path: Path) -> None:
    assert mediamesh(fresh_db, "db", "migrate").returncode == 0
    good = {"contentId": "p1", "contentType": "PROGRAM", "title": "Heat", "language": "en"}
    episode = {"contentId": "e1", "contentType": "EPISODE", "programId": "p1", "title": "Pilot"}
    bad = {"contentId": "p2", "contentType": "MOVIE", "title": "x"}
    path = tmp_path / "items.jsonl"
    path.write_text("\n".join(json.dumps(x) for x in (good, episode, bad)) + "\n")

    strict = mediamesh(fresh_db, "load", str(path))
    assert strict.returncode == 1
    assert "line 3: contentType" in strict.stderr

    lenient = mediamesh(fresh_db, "load", str(path), "--skip-invalid")
    assert lenient.returncode == 0, lenient.stderr
    assert "loaded 2 items, skipped 1 invalid lines" in lenient.stdout
    url = fresh_db.database_url
    assert count(url, "SELECT count(*) FROM catalog_items") == 2
    assert count(url, "SELECT count(*) FROM search_documents WHERE deleted_at IS NULL") == 2
    assert count(url, "SELECT count(DISTINCT content_id) FROM search_outbox") == 2
    analysed = (
        "SELECT count(*) FROM pg_class WHERE relname = ANY('{catalog_items,search_documents}')"
    )
    assert count(url, analysed + " AND reltuples = 2") == 2  # the load ran ANALYZE on them


def test_load_sample_loads_every_film_once(fresh_db: Settings) -> None:
    assert mediamesh(fresh_db, "db", "migrate").returncode == 0
    for _ in range(2):  # a second run is a no-op upsert, not duplicates
        result = mediamesh(fresh_db, "load", "--sample", timeout=300)
        assert result.returncode == 0, result.stderr
        assert "loaded 36254 items" in result.stdout
    url = fresh_db.database_url
    assert count(url, "SELECT count(*) FROM catalog_items WHERE content_type = 'PROGRAM'") == 36254
    assert count(url, "SELECT count(*) FROM search_documents") == 36254
    assert count(url, "SELECT count(*) FROM catalog_items WHERE language = 'en'") == 36254
