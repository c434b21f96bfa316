"""The outbox's figures for /metrics (backlog, retrying rows, age of the oldest), sampled in
the background.

A scrape reads the last sample and never queries PostgreSQL: scrapes come as often as every
Prometheus replica is configured to send them, and each used to count the whole outbox. Each
process running a relay samples every SEARCH_OUTBOX_STATS_INTERVAL_SECONDS instead, with a
query bounded by `outbox_repository.STATS_ROW_CAP` rows (read by the primary key's index).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from mediamesh.resilience.periodic import Sampler
from mediamesh.search.indexing.outbox_repository import OutboxStats

OutboxStatsSampler = Sampler[OutboxStats]


def outbox_stats_sampler(
    read: Callable[[], Awaitable[OutboxStats]], interval_seconds: float
) -> OutboxStatsSampler:
    """The outbox's figures read by `read` every `interval_seconds` (all zeros until the
    first sample)."""
    return Sampler("search outbox stats", read, interval_seconds, OutboxStats(0, 0, 0, 0.0))
