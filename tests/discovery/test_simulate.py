"""`mediamesh events simulate` on a database of its own (it writes to every published item)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest
from typer.testing import CliRunner

from mediamesh.catalog.models import CatalogItem
from mediamesh.catalog.service import upsert_items
from mediamesh.cli.main import app
from mediamesh.discovery.models import ListKind, ListQuery
from mediamesh.discovery.ranking.compute import RankingParams, compute_list
from mediamesh.search.indexing.catalog_port import SearchIndex
from mediamesh.settings import Settings
from mediamesh.storage import postgres
from mediamesh.storage.migrations import migrate
from tests.cli.run import MEDIAMESH, environment, mediamesh
from tests.conftest import Stack

# Rollups recomputed from the raw events with the dedup rule, compared with the stored ones.
_MISMATCHES = """
WITH raw AS (
    SELECT date_trunc('hour', occurred_at, 'UTC') AS bucket, item_id, event_type, user_id
    FROM engagement_events
),
counted AS (
    SELECT bucket, item_id, event_type FROM raw WHERE event_type <> 1 OR user_id IS NULL
    UNION ALL
    SELECT bucket, item_id, 1 FROM (
        SELECT DISTINCT bucket, item_id, user_id FROM raw
        WHERE event_type = 1 AND user_id IS NOT NULL) AS first_views
),
hourly AS (
    SELECT bucket, item_id, count(*) FILTER (WHERE event_type = 1) AS views,
           count(*) FILTER (WHERE event_type = 2) AS likes,
           count(*) FILTER (WHERE event_type = 3) AS completes
    FROM counted GROUP BY 1, 2
),
daily AS (
    SELECT (bucket AT TIME ZONE 'UTC')::date AS bucket, item_id, sum(views) AS views,
           sum(likes) AS likes, sum(completes) AS completes
    FROM hourly GROUP BY 1, 2
)
SELECT (SELECT count(*) FROM (
            (SELECT * FROM hourly EXCEPT SELECT * FROM engagement_hourly)
            UNION ALL (SELECT * FROM engagement_hourly EXCEPT SELECT * FROM hourly)) AS h)
     + (SELECT count(*) FROM (
            (SELECT * FROM daily EXCEPT SELECT * FROM engagement_daily)
            UNION ALL (SELECT * FROM engagement_daily EXCEPT SELECT * FROM daily)) AS d)
"""


async def database_with(url: str, items: list[CatalogItem]) -> None:
    await postgres.ensure_database(url)
    async with postgres.connect(url) as conn:
        await migrate(conn)
    pool = await postgres.create_pool(url, min_size=1, max_size=2)
    await upsert_items(pool, SearchIndex(), items)
    await pool.close()


@pytest.fixture
async def own_database(stack: Stack, unique: str) -> AsyncIterator[str]:
    url = stack.database_url.rsplit("/", 1)[0] + f"/mm_simulate_{unique}"
    programs = [f"p{n:03d}" for n in range(60)]
    items = [
        CatalogItem(contentId=p, contentType="PROGRAM", title=p, status=status)
        for p, status in zip(programs, ["published"] * 58 + ["unpublished"] * 2, strict=True)
    ]
    items += [
        CatalogItem(contentId=f"{p}-e1", contentType="EPISODE", programId=p, title=p)
        for p in programs[-3:]  # one episode of a published program, two of unpublished ones
    ]
    await database_with(url, items)
    yield url
    await postgres.drop_database(url)


# Four kinds of film, 12 of each: released in 2023 or 1920, with a long description and
# genres and cast, or with nothing known beyond the title.
KINDS = {
    "recent-rich": (2023, "A story. " * 90, ["Drama", "Ann A", "Bob B", "Cy C", "Di D", "Ed E"]),
    "old-rich": (1920, "A story. " * 90, ["Drama", "Ann A", "Bob B", "Cy C", "Di D", "Ed E"]),
    "recent-plain": (2023, "", []),
    "old-plain": (1920, "", []),
}


@pytest.fixture
async def catalog_of_kinds(stack: Stack, unique: str) -> AsyncIterator[str]:
    url = stack.database_url.rsplit("/", 1)[0] + f"/mm_simulate_{unique}"
    items = [
        CatalogItem(
            contentId=f"{kind}-{n:02d}",
            contentType="PROGRAM",
            title=f"{kind} {n}",
            description=description,
            tags=tags,
            publishedAt=datetime(year, 1, 1, tzinfo=UTC),
        )
        for kind, (year, description, tags) in KINDS.items()
        for n in range(12)
    ]
    await database_with(url, items)
    yield url
    await postgres.drop_database(url)


def simulate(url: str, *args: str) -> str:
    settings = Settings(database_url=url)
    env = {"DATABASE_URL": settings.database_url, "DYNAMODB_ENABLED": "false"}
    result = CliRunner().invoke(app, ["events", "simulate", *args], env=env)
    assert result.exit_code == 0, result.output
    return result.output


async def test_simulate_writes_consistent_realistic_engagement(own_database: str) -> None:
    started = datetime.now(UTC)
    output = await asyncio.to_thread(
        simulate, own_database, "--events", "20000", "--days", "7", "--seed", "3"
    )
    assert "added 20,000 events over 59 published items in the last 7 days" in output

    conn = await asyncpg.connect(own_database)
    try:
        stats = await conn.fetchrow(
            """SELECT count(*) AS events, min(occurred_at) AS oldest, max(occurred_at) AS newest,
                      count(*) FILTER (WHERE event_type = 1) AS views,
                      count(DISTINCT user_id) AS users,
                      count(*) FILTER (WHERE user_id IS NOT NULL) AS with_user,
                      count(DISTINCT item_id) AS items
               FROM engagement_events"""
        )
        hidden = await conn.fetchval(
            "SELECT count(*) FROM engagement_events e JOIN catalog_items c USING (item_id) "
            "WHERE c.content_id IN ('p058', 'p059', 'p058-e1', 'p059-e1')"
        )
        mismatches = await conn.fetchval(_MISMATCHES)
        counted_views = await conn.fetchval("SELECT sum(views) FROM engagement_hourly")
    finally:
        await conn.close()

    assert stats["events"] == 20_000
    assert started - timedelta(days=7) <= stats["oldest"] and stats["newest"] <= datetime.now(UTC)
    assert 0.75 < stats["views"] / 20_000 < 0.85
    assert 0.60 < stats["with_user"] / 20_000 < 0.70 and stats["users"] < stats["with_user"]
    assert stats["items"] == 59 and hidden == 0
    assert mismatches == 0
    assert counted_views < stats["views"]  # returning users' views within an hour count once

    pool = await postgres.create_pool(own_database, min_size=1, max_size=1)
    try:
        params = RankingParams.from_settings(Settings())
        now = datetime.now(UTC)
        trending = await compute_list(pool, ListKind.TRENDING, ListQuery(), params, now)
        popular = await compute_list(pool, ListKind.POPULAR, ListQuery(), params, now)
    finally:
        await pool.close()
    assert len(trending) == len(popular) == 59
    assert trending[0].content_id != popular[0].content_id


async def test_an_interrupted_simulation_resumes_to_exactly_the_events_asked_for(
    own_database: str,
) -> None:
    """Killed (SIGKILL: no chance to clean up) after some chunks, `--resume` adds exactly the
    rest: the total is the number asked for, no chunk twice, rollups equal to raw events."""
    total, chunk = 60_000, 2_000  # 30 chunks, so the kill lands in the middle of the run
    env = environment(Settings(database_url=own_database, dynamodb_enabled=False))
    args = ["events", "simulate", "--events", str(total), "--days", "3", "--seed", "9"]
    process = await asyncio.create_subprocess_exec(
        MEDIAMESH,
        *args,
        "--chunk-size",
        str(chunk),
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    conn = await asyncpg.connect(own_database)
    try:
        deadline = asyncio.get_running_loop().time() + 120
        done = 0
        while done < 2:  # wait for a couple of chunks, then kill it mid-run
            assert asyncio.get_running_loop().time() < deadline, "simulate made no progress"
            await asyncio.sleep(0.02)
            done = await conn.fetchval("SELECT max(chunks_done) FROM engagement_simulations") or 0
        process.kill()
        await process.wait()
        done = await conn.fetchval("SELECT chunks_done FROM engagement_simulations")
        stored = await conn.fetchval("SELECT count(*) FROM engagement_events")
        assert stored == done * chunk < total  # whole chunks only, and the run was cut short

        resumed = await asyncio.to_thread(
            mediamesh,
            Settings(database_url=own_database, dynamodb_enabled=False),
            *args[:2],
            "--resume",
        )
        assert resumed.returncode == 0, resumed.stderr + resumed.stdout
        assert f"added {total - stored:,} events (resumed after {stored:,})" in resumed.stdout

        assert await conn.fetchval("SELECT count(*) FROM engagement_events") == total
        assert await conn.fetchval(_MISMATCHES) == 0
        assert await conn.fetchval("SELECT finished_at IS NOT NULL FROM engagement_simulations")
        again = await asyncio.to_thread(
            mediamesh,
            Settings(database_url=own_database, dynamodb_enabled=False),
            *args[:2],
            "--resume",
        )
        assert again.returncode == 1 and "no interrupted simulation" in again.stderr
    finally:
        await conn.close()


async def test_recent_films_people_know_about_are_watched_most(catalog_of_kinds: str) -> None:
    """Popularity follows what a catalog knows (docs/RANKING.md, "Synthetic engagement"):
    recent films with a plot, genres and cast lead; films with nothing known trail; a
    well-documented classic still beats a recent film nobody wrote about."""
    await asyncio.to_thread(simulate, catalog_of_kinds, "--events", "20000", "--seed", "5")

    pool = await postgres.create_pool(catalog_of_kinds, min_size=1, max_size=1)
    try:
        params = RankingParams.from_settings(Settings())
        now = datetime.now(UTC)
        popular = await compute_list(pool, ListKind.POPULAR, ListQuery(), params, now)
        trending = await compute_list(pool, ListKind.TRENDING, ListQuery(), params, now)
    finally:
        await pool.close()

    def kind(content_id: str) -> str:
        return content_id.rsplit("-", 1)[0]

    assert {kind(item.content_id) for item in popular[:10]} == {"recent-rich"}
    assert {kind(item.content_id) for item in trending[:10]} == {"recent-rich"}
    share = {name: 0.0 for name in KINDS}
    for item in popular:
        share[kind(item.content_id)] += item.score / sum(i.score for i in popular)
    # a random order would give each kind about a quarter; Zipf gives the best 12 of 48 ranks
    # about 70% (H₁₂/H₄₈)
    assert share["recent-rich"] > 0.5
    assert share["recent-rich"] > share["old-rich"] > share["recent-plain"] > share["old-plain"]
