"""How long engagement data is kept, and the maintenance steps that apply it.

- Raw events: at least EVENT_RETENTION_DAYS. They are partitioned by month, and a partition
  is dropped once its whole month is older than that, so up to one month more is on disk.
- View-dedup rows and rollups: as long as a list or ingestion can read them. Ingestion
  accepts events as old as the longest window (AcceptedTimes.max_age) and checks their
  hour's dedup row; popular reads the daily rollups of that window's first day and the
  hours of that day. Rows of days before that day, less one day of slack for clocks that
  differ between processes, can never be read again.
- Partitions are also created a month ahead, so ingestion meets no partition DDL when a
  month begins.
- The inbox holds no history (folding empties it), but with no server folding (maintenance
  run from a scheduler) its events are folded first, before the rows above are pruned.

Each step takes (connection, settings, now) and returns how many things it removed (or
created), the shape of the maintenance task list (app/maintenance.py).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import asyncpg

from mediamesh.discovery.events import aggregator, repository, retention_repository
from mediamesh.discovery.events.models import AcceptedTimes
from mediamesh.discovery.ranking import window_totals
from mediamesh.settings import Settings

CLOCK_SLACK = timedelta(days=1)
AHEAD = timedelta(days=31)  # from any day of a month, this reaches into the next one


def events_cutoff(settings: Settings, now: datetime) -> datetime:
    """Raw events before this moment may go (whole partitions at a time)."""
    return now - timedelta(days=settings.event_retention_days)


def rollups_cutoff(settings: Settings, now: datetime) -> datetime:
    """View-dedup rows of hours, hourly rollups of hours and daily rollups of days before
    this midnight (UTC) are never read again."""
    oldest = (now - AcceptedTimes.from_settings(settings).max_age).astimezone(UTC)
    return oldest.replace(hour=0, minute=0, second=0, microsecond=0) - CLOCK_SLACK


async def fold_inbox(conn: asyncpg.Connection, settings: Settings, now: datetime) -> int:
    """Fold the acknowledged events still in the inbox; returns how many."""
    return await aggregator.fold_all(conn, wait=True)


async def create_partitions_ahead(
    conn: asyncpg.Connection, settings: Settings, now: datetime
) -> int:
    """Create this month's and next month's partitions if missing; returns how many."""
    before = await retention_repository.partition_count(conn)
    await repository.create_partitions(
        conn, now, now + AHEAD, retention_repository.DDL_LOCK_TIMEOUT
    )
    return await retention_repository.partition_count(conn) - before


async def drop_old_partitions(conn: asyncpg.Connection, settings: Settings, now: datetime) -> int:
    """Drop the raw-event partitions older than EVENT_RETENTION_DAYS; returns how many."""
    return len(
        await retention_repository.drop_partitions_before(conn, events_cutoff(settings, now))
    )


async def prune_view_dedup(conn: asyncpg.Connection, settings: Settings, now: datetime) -> int:
    return await retention_repository.delete_view_dedup_before(conn, rollups_cutoff(settings, now))


async def prune_rollups(conn: asyncpg.Connection, settings: Settings, now: datetime) -> int:
    """Prune the rollups before the cutoff, keeping every hour still summed by the popular
    window totals: moving them forward subtracts those hours (a lagging anchor, e.g. no
    server running for days, would otherwise lose them)."""
    cutoff = rollups_cutoff(settings, now)
    summed = (await window_totals.read_anchor(conn)).first_hour
    hour = cutoff if summed is None else min(cutoff, summed)
    return await retention_repository.delete_rollups_before(conn, hour, cutoff.date())
