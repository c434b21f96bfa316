"""The embedding backlog for /metrics (`mediamesh_search_embedding_backlog`: documents waiting
for a vector), sampled in the background as the outbox's figures are
(search/indexing/outbox_stats.py): a scrape reads the last sample and never queries PostgreSQL.

Every search process samples, whether or not its worker is the one embedding, every
SEARCH_EMBEDDING_STATS_INTERVAL_SECONDS, with a count bounded by
repository.BACKLOG_COUNT_CAP (read from the queue of due documents).
"""

from __future__ import annotations

import asyncpg

from mediamesh.resilience.periodic import Sampler
from mediamesh.search.semantic import repository

BacklogSampler = Sampler[int]


def backlog_sampler(pool: asyncpg.Pool, interval_seconds: float) -> BacklogSampler:
    """The backlog counted on `pool` every `interval_seconds` (0 until the first sample)."""

    async def count() -> int:
        async with pool.acquire() as conn:
            return await repository.backlog(conn)

    return Sampler("embedding backlog", count, interval_seconds, 0)
