"""The embedding backlog for /metrics (`mediamesh_search_embedding_backlog`: documents waiting
for a vector), sampled in the background as the outbox's figures are
(search/indexing/outbox_stats.py): a scrape reads the last sample and never queries PostgreSQL.

Every search process samples, whether or not its worker is the one embedding, every
SEARCH_EMBEDDING_STATS_INTERVAL_SECONDS, with a count bounded by
repository.BACKLOG_COUNT_CAP (read from the queue of due documents).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

import asyncpg

from mediamesh.search.semantic import repository

log = logging.getLogger(__name__)


@dataclass
class BacklogSampler:
    """`latest` is the last sample (0 until the first one); `samples` counts them."""

    pool: asyncpg.Pool
    interval_seconds: float
    latest: int = field(default=0, init=False)
    samples: int = field(default=0, init=False)

    async def sample(self) -> int:
        """Count now and keep the figure; raises what PostgreSQL raises."""
        async with self.pool.acquire() as conn:
            self.latest = await repository.backlog(conn)
        self.samples += 1
        return self.latest

    async def run(self) -> None:
        """Sample at once, then every interval, until cancelled. A failed sample is logged
        and leaves the last figure in place."""
        while True:
            try:
                await self.sample()
            except Exception as exc:  # a background loop must outlive any one failure
                log.warning("embedding backlog: sampling failed: %s", exc)
            await asyncio.sleep(self.interval_seconds)
