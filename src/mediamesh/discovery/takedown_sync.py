"""Takedowns made durable: this process learns every takedown from PostgreSQL's log, and the
cached copies in Redis and DynamoDB are purged until done, whoever crashed in between.

- Readers: every process reads the log by cursor every TAKEDOWN_POLL_SECONDS, and at once
  when NOTIFY says a takedown committed; each new row is applied like a Redis notice
  (DiscoveryService.on_takedown). Redis's pub/sub stays the fastest path; this one needs only
  PostgreSQL, so a paused or dead Redis delays no process past the poll interval.
- Purgers: every process claims unpurged rows (FOR UPDATE SKIP LOCKED: one process per row),
  purges their items from every cached list within TAKEDOWN_PURGE_TIMEOUT_SECONDS and marks
  them purged only when every tier was reached; otherwise the row waits for the next try,
  with backoff. The process that made the takedown purges at once as well.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Sequence

import asyncpg

from mediamesh.cache.rate_limited_log import RateLimitedLog
from mediamesh.discovery import takedown_log
from mediamesh.discovery.service import DiscoveryService
from mediamesh.discovery.takedown_cursor import LogCursor
from mediamesh.errors import DependencyError
from mediamesh.storage import postgres

log = logging.getLogger(__name__)
_reporter = RateLimitedLog(log)

# An insert still uncommitted after this long was rolled back (catalog writes take ms).
GAP_GRACE_SECONDS = 60.0
# A poll's own budget: a hanging PostgreSQL must not stall the loop past a few polls.
POLL_BUDGET_SECONDS = 2.0
PURGE_BATCH = 100
# The purge the request that made the takedown waits for: a hanging tier must not hold up
# its answer for long (the purgers finish the job).
REQUEST_PURGE_BUDGET_SECONDS = 1.0
MAX_PURGE_BACKOFF_SECONDS = 5.0
LISTEN_RETRY_SECONDS = 5.0


class TakedownSync:
    def __init__(
        self,
        pool: asyncpg.Pool,
        service: DiscoveryService,
        *,
        database_url: str,
        window_seconds: float,
        poll_seconds: float,
        purge_budget_seconds: float,
    ) -> None:
        self._pool = pool
        self._service = service
        self._url = database_url
        self._window = window_seconds  # as long as any copy served can predate a takedown
        self._poll_seconds = poll_seconds
        self._purge_budget = purge_budget_seconds
        self.cursor = LogCursor(GAP_GRACE_SECONDS)
        self._started = False
        self._wake_poll = asyncio.Event()
        self._wake_purge = asyncio.Event()

    async def taken_down(self, content_ids: Sequence[str]) -> None:
        """After the catalog change (and its log row) committed, in the process that made it:
        stop serving the items here, tell the others through Redis, purge the tiers at once
        (so they are clean when the request returns, if they answer). Never raises: the log
        row stays unpurged until a purger (woken here) has done it again and marked it."""
        self._service.announce(content_ids)
        try:
            async with asyncio.timeout(min(self._purge_budget, REQUEST_PURGE_BUDGET_SECONDS)):
                await self._service.purge(content_ids)
        except TimeoutError:
            _reporter.warn("purge", "takedown purge postponed: it exceeded its budget")
        self._wake_purge.set()

    async def poll_once(self) -> int:
        """Apply the log's new rows; returns how many. Raises DependencyError."""
        async with asyncio.timeout(POLL_BUDGET_SECONDS):
            if not self._started:
                rows = await takedown_log.since(self._pool, 0, self._window)
                first = rows[0].seq - 1 if rows else await takedown_log.last_seq(self._pool)
                self.cursor.start_after(first)
                self._started = True
            else:
                rows = await takedown_log.since(self._pool, self.cursor.floor, self._window)
        new = self.cursor.take(rows, time.monotonic())
        for row in new:
            self._service.on_takedown(list(row.content_ids), row.at)
        return len(new)

    async def purge_pending(self) -> bool:
        """One purge pass over the unpurged rows no other process holds; True when all it
        claimed are purged. Raises DependencyError when PostgreSQL fails."""
        async with self._pool.acquire() as conn, conn.transaction():
            rows = await takedown_log.claim_unpurged(conn, PURGE_BATCH)
            if not rows:
                return True
            ids = {content_id for row in rows for content_id in row.content_ids}
            try:
                async with asyncio.timeout(self._purge_budget):
                    done = await self._service.purge(ids)
            except TimeoutError:
                done = False
            if done:
                await takedown_log.mark_purged(conn, [row.seq for row in rows])
            return done

    async def run(self, stop: asyncio.Event) -> None:
        """The reader, the purger and the NOTIFY listener, until `stop` is set (or cancelled)."""
        async with asyncio.TaskGroup() as group:
            group.create_task(self._read(stop))
            group.create_task(self._purge(stop))
            group.create_task(self._listen(stop))

    async def _read(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.poll_once()
            except (DependencyError, TimeoutError) as exc:
                _reporter.warn("poll", "reading the takedown log failed: %s", exc or "a timeout")
            await _wait(self._wake_poll, self._poll_seconds)

    async def _purge(self, stop: asyncio.Event) -> None:
        delay = self._poll_seconds
        while not stop.is_set():
            await _wait(self._wake_purge, delay)
            try:
                done = await self.purge_pending()
            except (DependencyError, TimeoutError) as exc:
                _reporter.warn("purge", "takedown purge failed: %s", exc or "timed out")
                done = False
            delay = self._poll_seconds if done else min(delay * 2, MAX_PURGE_BACKOFF_SECONDS)

    async def _listen(self, stop: asyncio.Event) -> None:
        """Wake the reader and the purger when a takedown commits (NOTIFY). Optional: the
        loops poll anyway; while it cannot connect, it retries."""

        def notified(*_: object) -> None:
            self._wake_poll.set()
            self._wake_purge.set()

        while not stop.is_set():
            try:
                async with postgres.connect(self._url) as conn:
                    await conn.add_listener(takedown_log.CHANNEL, notified)
                    while not stop.is_set() and not conn.is_closed():
                        with contextlib.suppress(TimeoutError):
                            await asyncio.wait_for(stop.wait(), 1.0)
            except (DependencyError, asyncpg.PostgresError, OSError) as exc:
                _reporter.warn("listen", "takedown notifications unavailable: %s", exc)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), LISTEN_RETRY_SECONDS)


async def _wait(wake: asyncio.Event, seconds: float) -> None:
    """Until `wake` is set or `seconds` pass; clears `wake`."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(wake.wait(), seconds)
    wake.clear()
