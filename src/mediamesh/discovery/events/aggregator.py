"""The single writer that folds acknowledged events into the rollups (repository.fold).

Ingestion only appends to engagement_inbox (repository.append) and answers once that
commits; the rollups, the view dedup and the raw table are written here, in bulk:
- `Aggregator.run`, in every discovery server's lifespan, folds every
  EVENTS_FOLD_INTERVAL_SECONDS. It tries the fold lock without waiting, so across processes
  (and `serve --workers N`) one folds at a time and the others skip their turn.
- `settle`, called before every list computation, folds whatever is committed, waiting for
  a fold in progress: a list counts every event acknowledged before it began, whether an
  aggregator runs, keeps up or not (CLI paths, tests, a server started with folding off).
  When the aggregator keeps up it costs one probe of an almost empty table.
Autovacuum may be off (this machine runs without it), and every fold leaves dead rows in the
inbox: the process that folds also vacuums it every VACUUM_SECONDS, so the inbox stays a
few pages that an append can reuse and a probe reads quickly.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

import asyncpg

from mediamesh.discovery.events import repository
from mediamesh.discovery.events.repository import InboxStats
from mediamesh.discovery.ranking import window_totals
from mediamesh.discovery.ranking.windows import current_hour
from mediamesh.resilience.periodic import Sampler, repeat
from mediamesh.storage.postgres_maintenance import vacuum_analyze

# Rows per fold transaction: bounds how long a fold holds rollup rows after a backlog built
# up (a server down for a while); a fraction of a second of ingestion is far fewer.
FOLD_ROWS = 50_000
VACUUM_SECONDS = 5.0
STATS_SECONDS = 1.0  # how often the backlog is sampled for /metrics

InboxSampler = Sampler[InboxStats]


async def fold_all(conn: asyncpg.Connection, *, wait: bool) -> int:
    """Fold until a fold finds fewer than FOLD_ROWS rows; returns how many were folded (0
    when, without `wait`, another session was folding). Raises PostgresUnavailable."""
    total = 0
    while True:
        folded = await repository.fold(conn, FOLD_ROWS, wait=wait)
        if folded is None:
            return total
        total += folded
        if folded < FOLD_ROWS:
            return total


async def settle(pool: asyncpg.Pool) -> int:
    """Fold every event committed to the inbox before this call (waiting for a fold in
    progress); returns how many this call folded. Raises PostgresUnavailable."""
    async with pool.acquire() as conn:
        if not await repository.unfolded(conn):
            return 0
        return await fold_all(conn, wait=True)


class Aggregator:
    """Folds `pool`'s inbox in the background, one process at a time per database."""

    def __init__(
        self, pool: asyncpg.Pool, interval_seconds: float, windows: window_totals.Windows
    ) -> None:
        self.pool = pool
        self.interval_seconds = interval_seconds
        self.windows = windows
        self._totals_hour: datetime | None = None  # the hour the window totals last moved to
        self.stats: InboxSampler = Sampler(
            "event inbox", self._read_stats, STATS_SECONDS, InboxStats(0, 0.0)
        )
        self._unvacuumed = 0  # rows this process folded since it last vacuumed the inbox
        self._vacuumed_at = time.monotonic()

    async def fold_once(self) -> int:
        """One turn: fold what is committed, unless another process is folding; returns how
        many rows. Then, once per hour (and at start), move the popular window totals
        forward: after the fold, so that a failing move never holds folding up.
        Raises PostgresUnavailable."""
        async with self.pool.acquire() as conn:
            folded = 0
            if await repository.unfolded(conn):  # idle: one round trip, no transaction
                folded = await fold_all(conn, wait=False)
            self._unvacuumed += folded
            if self._unvacuumed and time.monotonic() - self._vacuumed_at >= VACUUM_SECONDS:
                await vacuum_analyze(conn, "engagement_inbox")
                self._unvacuumed, self._vacuumed_at = 0, time.monotonic()
            await self._advance_totals(conn)
        return folded

    async def _advance_totals(self, conn: asyncpg.Connection) -> None:
        """Move the window totals to this hour, if this process has not yet. Every process
        tries once per hour; after the first, the others find them current."""
        now = datetime.now(UTC)
        if self._totals_hour == (hour := current_hour(now)):
            return
        await window_totals.advance(conn, now, self.windows)
        self._totals_hour = hour

    async def run(self) -> None:
        """Fold every interval until cancelled; a failed turn is logged and retried."""
        await repeat(self.fold_once, self.interval_seconds, "folding engagement events")

    async def _read_stats(self) -> InboxStats:
        async with self.pool.acquire() as conn:
            return await repository.inbox_stats(conn)
