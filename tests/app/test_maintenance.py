"""Maintenance on the real PostgreSQL (app/maintenance.py): data placed in the past goes,
data any list, ingestion or the outbox can still read stays; one run at a time; the
servers' schedule runs it; `mediamesh maintain` reports it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from mediamesh.app import maintenance
from mediamesh.app.maintenance import LOCK_KEY, maintain
from mediamesh.discovery.events.retention import rollups_cutoff
from mediamesh.discovery.takedowns import takedown_window_seconds
from mediamesh.settings import Settings
from mediamesh.storage import postgres
from mediamesh.storage.migrations import migrate
from tests.cli.run import mediamesh
from tests.conftest import Stack
from tests.support import running_app

NOW = datetime.now(UTC)
DAY, HOUR = timedelta(days=1), timedelta(hours=1)


@pytest.fixture
async def settings(stack: Stack, unique: str) -> AsyncIterator[Settings]:
    """A database of this test's own: maintenance deletes whatever is old, in any test's data."""
    url = stack.database_url.rsplit("/", 1)[0] + f"/mm_maintain_{unique}"
    await postgres.ensure_database(url)
    async with postgres.connect(url) as conn:
        await migrate(conn)
    yield stack.settings(database_url=url, dynamodb_enabled=False)
    await postgres.drop_database(url)


async def execute(settings: Settings, *statements: str, args: tuple[object, ...] = ()) -> None:
    conn = await asyncpg.connect(settings.database_url)
    try:
        for sql in statements:
            await conn.execute(sql, *args)
    finally:
        await conn.close()


async def fetch(settings: Settings, sql: str, *args: object) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(settings.database_url)
    try:
        return list(await conn.fetch(sql, *args))
    finally:
        await conn.close()


async def add_events(settings: Settings, *moments: datetime) -> None:
    await execute(
        settings,
        "SELECT mediamesh_ensure_event_partitions(min(t), max(t)) FROM unnest($1::timestamptz[]) t",
        "INSERT INTO engagement_events (item_id, event_type, occurred_at)"
        " SELECT 1, 1, t FROM unnest($1::timestamptz[]) t",
        args=(list(moments),),
    )


async def add_engagement(settings: Settings, hours: list[datetime]) -> None:
    """A dedup row, an hourly and a daily rollup row for each hour."""
    await execute(
        settings,
        "INSERT INTO engagement_view_dedup SELECT h, 1, 'u' FROM unnest($1::timestamptz[]) h",
        "INSERT INTO engagement_hourly SELECT h, 1, 1 FROM unnest($1::timestamptz[]) h",
        "INSERT INTO engagement_daily SELECT DISTINCT (h AT TIME ZONE 'UTC')::date, 1, 1"
        " FROM unnest($1::timestamptz[]) h",
        args=(hours,),
    )


def partition_of(moment: datetime) -> str:
    return f"engagement_events_{moment.astimezone(UTC):%Y%m}"


async def partitions(settings: Settings) -> set[str]:
    rows = await fetch(
        settings,
        "SELECT inhrelid::regclass::text AS name FROM pg_inherits"
        " WHERE inhparent = 'engagement_events'::regclass",
    )
    return {row["name"] for row in rows}


async def test_old_event_partitions_go_recent_events_stay(settings: Settings) -> None:
    old, kept = NOW - 400 * DAY, NOW - 60 * DAY  # EVENT_RETENTION_DAYS is 90
    await add_events(settings, old, kept, NOW)
    next_month = (NOW.replace(day=1) + 32 * DAY).replace(day=1)
    await execute(settings, f"DROP TABLE IF EXISTS {partition_of(next_month)}")

    report = await maintain(settings, NOW)

    assert report.ran and report.errors == []
    counts = {r.name: r.count for r in report.results}
    assert counts["event partitions dropped"] >= 1  # the migration's months may go as well
    assert counts["event partitions created ahead"] == 1
    left = await partitions(settings)
    assert partition_of(old) not in left
    assert {partition_of(kept), partition_of(NOW), partition_of(next_month)} <= left
    # the month holding the retention cutoff is not whole past it: kept
    assert partition_of(NOW - 90 * DAY) in left
    rows = await fetch(settings, "SELECT occurred_at FROM engagement_events ORDER BY 1")
    assert [row["occurred_at"] for row in rows] == [kept, NOW]


async def test_dedup_rows_and_rollups_outside_the_longest_window_go(settings: Settings) -> None:
    hour = NOW.replace(minute=0, second=0, microsecond=0)
    cutoff = rollups_cutoff(settings, NOW)
    oldest_in_window = hour - 30 * DAY  # POPULAR_WINDOW_DAYS: ingestion still accepts it
    await add_engagement(
        settings, [hour - 400 * DAY, cutoff - HOUR, cutoff, oldest_in_window, hour]
    )

    report = await maintain(settings, NOW)

    assert report.errors == []
    kept_hours = [cutoff, oldest_in_window, hour]
    for table in ("engagement_view_dedup", "engagement_hourly"):
        rows = await fetch(settings, f"SELECT bucket FROM {table} ORDER BY bucket")
        assert [row["bucket"] for row in rows] == kept_hours, table
    rows = await fetch(settings, "SELECT bucket FROM engagement_daily ORDER BY bucket")
    assert [row["bucket"] for row in rows] == sorted({h.date() for h in kept_hours})


async def add_tombstone(settings: Settings, content_id: str, deleted_at: datetime | None) -> None:
    await execute(
        settings,
        "INSERT INTO search_documents (content_id, content_type, title, updated_at, deleted_at)"
        " VALUES ($1, 'PROGRAM', $1, $2, $3)",
        args=(content_id, deleted_at or NOW - 400 * DAY, deleted_at),
    )


async def test_old_tombstones_go_once_the_outbox_has_carried_them(settings: Settings) -> None:
    settings = settings.model_copy(update={"dynamodb_enabled": True})  # a relay delivers
    await add_tombstone(settings, "old", NOW - 31 * DAY)  # retention: 30 days
    await add_tombstone(settings, "old-pending", NOW - 31 * DAY)
    await add_tombstone(settings, "recent", NOW - 29 * DAY)
    await add_tombstone(settings, "live", None)
    await execute(
        settings,
        "INSERT INTO search_outbox (content_id, enqueued_at) VALUES ('old-pending', $1)",
        args=(NOW - 31 * DAY,),
    )

    report = await maintain(settings, NOW)

    assert report.errors == []
    rows = await fetch(settings, "SELECT content_id FROM search_documents ORDER BY 1")
    assert [row["content_id"] for row in rows] == ["live", "old-pending", "recent"]
    outbox = await fetch(settings, "SELECT content_id FROM search_outbox")
    assert [row["content_id"] for row in outbox] == ["old-pending"]

    await execute(settings, "DELETE FROM search_outbox")  # the relay delivered it
    await maintain(settings, NOW)
    rows = await fetch(settings, "SELECT content_id FROM search_documents ORDER BY 1")
    assert [row["content_id"] for row in rows] == ["live", "recent"]


async def test_with_dynamodb_off_undeliverable_outbox_rows_go(settings: Settings) -> None:
    assert not settings.dynamodb_enabled
    await add_tombstone(settings, "gone", NOW - 31 * DAY)
    await execute(
        settings,
        "INSERT INTO search_outbox (content_id, enqueued_at)"
        " VALUES ('gone', $1), ('written-just-now', $2)",
        args=(NOW - 2 * HOUR, NOW),
    )

    report = await maintain(settings, NOW)

    assert {r.name: r.count for r in report.results}["undeliverable outbox rows deleted"] == 1
    outbox = await fetch(settings, "SELECT content_id FROM search_outbox")
    assert [row["content_id"] for row in outbox] == ["written-just-now"]
    assert await fetch(settings, "SELECT 1 FROM search_documents") == []  # its tombstone too


async def test_one_run_at_a_time(settings: Settings) -> None:
    await add_engagement(settings, [NOW - 400 * DAY])
    holder = await asyncpg.connect(settings.database_url)
    try:
        await holder.execute("SELECT pg_advisory_lock($1)", LOCK_KEY)
        busy = await maintain(settings, NOW)
        assert not busy.ran and busy.results == ()
        assert len(await fetch(settings, "SELECT 1 FROM engagement_hourly")) == 1
        await holder.execute("SELECT pg_advisory_unlock($1)", LOCK_KEY)
        # two at once: whichever runs, both end without error and the old row is gone
        reports = await asyncio.gather(maintain(settings, NOW), maintain(settings, NOW))
        assert any(r.ran for r in reports) and all(r.errors == [] for r in reports)
        assert await fetch(settings, "SELECT 1 FROM engagement_hourly") == []
    finally:
        await holder.close()


async def test_a_failing_step_is_reported_and_the_others_still_run(settings: Settings) -> None:
    await add_engagement(settings, [NOW - 400 * DAY])
    await add_events(settings, NOW - 400 * DAY)
    holder = await asyncpg.connect(settings.database_url)
    try:
        async with holder.transaction():  # a long query holds engagement_events
            await holder.execute("LOCK TABLE engagement_events IN ACCESS SHARE MODE")
            report = await maintain(settings, NOW)
    finally:
        await holder.close()
    (failed,) = report.errors
    assert failed.name == "event partitions dropped" and "stayed locked" in (failed.error or "")
    assert await fetch(settings, "SELECT 1 FROM engagement_hourly") == []
    assert partition_of(NOW - 400 * DAY) in await partitions(settings)


async def test_the_servers_schedule_runs_it(settings: Settings) -> None:
    await add_engagement(settings, [NOW - 400 * DAY])
    scheduled = settings.model_copy(update={"maintenance_interval_seconds": 0.2})
    async with running_app(scheduled):
        deadline = time.monotonic() + 30
        while await fetch(scheduled, "SELECT 1 FROM engagement_hourly"):
            assert time.monotonic() < deadline, "the schedule never removed the old row"
            await asyncio.sleep(0.1)


async def test_no_schedule_when_the_interval_is_zero(settings: Settings) -> None:
    off = settings.model_copy(update={"maintenance_interval_seconds": 0})

    def scheduled_ones() -> set[asyncio.Task[object]]:
        return {t for t in asyncio.all_tasks() if t.get_name() == "maintenance"}

    # apps that other tests of the session keep open (shared fixtures) have theirs
    before = scheduled_ones()
    async with maintenance.scheduled(off):
        assert scheduled_ones() == before


async def test_the_maintain_command(settings: Settings) -> None:
    await add_engagement(settings, [NOW - 400 * DAY])
    done = await asyncio.to_thread(mediamesh, settings, "maintain")
    assert done.returncode == 0, done.stderr
    assert "rollup rows deleted: 2" in done.stdout
    assert "view-dedup rows deleted: 1" in done.stdout
    assert await fetch(settings, "SELECT 1 FROM engagement_view_dedup") == []

    holder = await asyncpg.connect(settings.database_url)
    try:
        await holder.execute("SELECT pg_advisory_lock($1)", LOCK_KEY)
        busy = await asyncio.to_thread(mediamesh, settings, "maintain")
    finally:
        await holder.close()
    assert busy.returncode == 0 and "nothing done" in busy.stdout


async def test_the_takedown_log_keeps_what_processes_still_read_or_must_purge(
    settings: Settings,
) -> None:
    window = timedelta(seconds=takedown_window_seconds(settings))
    rows = [  # (ids, taken at, purged)
        (["old-purged"], NOW - 3 * window, True),
        (["old-unpurged"], NOW - 3 * window, False),  # a purge still owed: kept
        (["recent-purged"], NOW - window, True),  # a process starting now still reads it
    ]
    for ids, at, purged in rows:
        await execute(
            settings,
            "INSERT INTO takedown_log (content_ids, taken_at, purged_at)"
            " VALUES ($1::text[], $2::timestamptz, CASE WHEN $3::boolean THEN $2::timestamptz END)",
            args=(ids, at, purged),
        )
    report = await maintain(settings, NOW)
    assert ("takedown log rows deleted", 1) in [(r.name, r.count) for r in report.results]
    left = await fetch(settings, "SELECT content_ids[1] AS id FROM takedown_log ORDER BY seq")
    assert [row["id"] for row in left] == ["old-unpurged", "recent-purged"]


async def test_events_left_in_the_inbox_are_folded_first(settings: Settings) -> None:
    """With no server folding, maintenance folds the acknowledged events (exactly once)
    before it prunes anything."""
    await execute(
        settings,
        "INSERT INTO engagement_inbox (item_id, event_type, occurred_at, user_id)"
        " VALUES (1, 1, $1, 'u'), (1, 1, $1, 'u'), (1, 2, $1, NULL)",
        args=(NOW - HOUR,),
    )
    report = await maintain(settings, NOW)

    assert {r.name: r.count for r in report.results}["events folded"] == 3
    assert await fetch(settings, "SELECT 1 FROM engagement_inbox") == []
    hourly = await fetch(settings, "SELECT views, likes FROM engagement_hourly")
    assert [tuple(row) for row in hourly] == [(1, 1)]  # the repeated view counted once
    assert len(await fetch(settings, "SELECT 1 FROM engagement_events")) == 3
