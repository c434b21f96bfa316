"""The outbox's figures for /metrics (backlog, retrying rows, age of the oldest), sampled in
the background.

A scrape reads the last sample and never queries PostgreSQL: scrapes come as often as every
Prometheus replica is configured to send them, and each used to count the whole outbox. Each
process running a relay samples every SEARCH_OUTBOX_STATS_INTERVAL_SECONDS instead, with a
query bounded by `outbox_repository.STATS_ROW_CAP` rows (read by the primary key's index).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from mediamesh.search.indexing.outbox_repository import OutboxStats

log = logging.getLogger(__name__)


@dataclass
class OutboxStatsSampler:
    """`latest` is the last sample (all zeros until the first one); `samples` counts them."""

    read: Callable[[], Awaitable[OutboxStats]]
    interval_seconds: float
    latest: OutboxStats = field(default_factory=lambda: OutboxStats(0, 0, 0, 0.0), init=False)
    samples: int = field(default=0, init=False)

    async def sample(self) -> OutboxStats:
        """Read the figures now and keep them; raises what `read` raises."""
        self.latest = await self.read()
        self.samples += 1
        return self.latest

    async def run(self) -> None:
        """Sample at once, then every interval, until cancelled. A failed sample (PostgreSQL
        down) is logged and leaves the last figures in place."""
        while True:
            try:
                await self.sample()
            except Exception as exc:  # a background loop must outlive any one failure
                log.warning("search outbox stats: sampling failed: %s", exc)
            await asyncio.sleep(self.interval_seconds)
