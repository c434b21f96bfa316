"""The source of truth at the end of the chain: a list computed in PostgreSQL, stamped with
its generation time and a jittered expiry."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

import asyncpg

from mediamesh.cache.jitter import jittered_ttl
from mediamesh.discovery.cached_list import CachedList, ListKey, build_list
from mediamesh.discovery.events import aggregator
from mediamesh.discovery.models import ListKind
from mediamesh.discovery.ranking import compute as ranking
from mediamesh.discovery.ranking.compute import RankingParams


class ListSource:
    def __init__(
        self,
        pool: asyncpg.Pool,
        params: RankingParams,
        ttl_seconds: Callable[[ListKind], float],
        jitter_fraction: float,
    ) -> None:
        self._pool = pool
        self._params = params
        self._ttl = ttl_seconds
        self._jitter = jitter_fraction

    async def __call__(self, key: ListKey) -> CachedList:
        """Compute the list of `key` now, counting every event acknowledged before this call.
        Raises PostgresUnavailable when PostgreSQL fails."""
        await aggregator.settle(self._pool)  # usually nothing: the aggregator keeps up
        started = time.time()
        now = datetime.fromtimestamp(started, UTC)
        items = await ranking.compute_list(self._pool, key.kind, key.query, self._params, now)
        # the list's age is counted from the moment its data was read, not from its arrival
        ttl = jittered_ttl(self._ttl(key.kind), self._jitter)
        return build_list(items, key.version, started, started + ttl)
