"""Refresh ahead: lists that are being read are recomputed shortly before they expire, so in
steady state no request waits for PostgreSQL (cache-aside on a miss stays the fallback).

Each process remembers the lists it served and when they expire; a loop recomputes those
read recently once less than their lead time is left. The chain's lock makes one process
refresh a list at a time; the others find the fresh list and only learn its new expiry.

Both are bounded: at most REFRESH_AHEAD_MAX_LISTS lists are remembered (the least recently
read is forgotten first: it simply expires and is computed again on its next miss), and at
most REFRESH_AHEAD_CONCURRENCY refreshes run at once (the soonest to expire first; the
others stay due for the next tick).
"""

from __future__ import annotations

import asyncio
import functools
import heapq
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from mediamesh.cache.chain import CacheChain
from mediamesh.discovery.cached_list import CachedList, ListKey
from mediamesh.resilience.periodic import raise_if_cancelled

log = logging.getLogger(__name__)


@dataclass
class _Read:
    last_read: float  # monotonic
    expires_at: float  # epoch


class RefreshAhead:
    def __init__(
        self,
        chain: CacheChain[ListKey, CachedList],
        lead_seconds: Callable[[ListKey], float],
        idle_seconds: float,
        clock: Callable[[], float] = time.time,
        max_lists: int = 1000,
        concurrency: int = 4,
    ) -> None:
        self._chain = chain
        self._lead = lead_seconds
        self._idle = idle_seconds
        self._max_lists = max_lists
        self._concurrency = concurrency
        self._clock = clock
        self._reads: dict[ListKey, _Read] = {}
        self._running: dict[ListKey, asyncio.Task[None]] = {}

    def note(self, key: ListKey, expires_at: float) -> None:
        """A list was served: keep it fresh while it is being read."""
        read = self._reads.pop(key, None)  # re-inserted: the dict is ordered by last read
        if read is None:
            read = _Read(0.0, expires_at)
        read.last_read, read.expires_at = time.monotonic(), expires_at
        self._reads[key] = read
        while len(self._reads) > self._max_lists:
            del self._reads[next(iter(self._reads))]

    def keys(self) -> list[ListKey]:
        return list(self._reads)

    def tick(self) -> list[asyncio.Task[None]]:
        """Start refreshes of lists read recently and due, the soonest to expire first, while
        fewer than `concurrency` run; returns the started tasks."""
        now, idle_since = self._clock(), time.monotonic() - self._idle
        due = []
        for key, read in list(self._reads.items()):
            if read.last_read < idle_since:
                del self._reads[key]  # nobody reads it: let it expire
            elif read.expires_at - now <= self._lead(key) and key not in self._running:
                due.append((read.expires_at, key))
        free = max(0, self._concurrency - len(self._running))
        started = []
        for _, key in heapq.nsmallest(free, due, key=lambda pair: pair[0]):
            task = asyncio.create_task(self._refresh(key), name=f"refresh {key.kind}")
            self._running[key] = task
            task.add_done_callback(functools.partial(self._finished, key))
            started.append(task)
        return started

    def _finished(self, key: ListKey, task: asyncio.Task[None]) -> None:
        if self._running.get(key) is task:
            del self._running[key]

    async def run(self, interval_seconds: float) -> None:
        """Tick forever (until cancelled); cancelling also cancels refreshes under way."""
        try:
            while True:
                raise_if_cancelled()  # a cancellation a library swallowed still stops it
                self.tick()
                await asyncio.sleep(interval_seconds)
        finally:
            for task in list(self._running.values()):
                task.cancel()

    async def _refresh(self, key: ListKey) -> None:
        lead = self._lead(key)
        try:
            value = await self._chain.refresh(
                key, good_enough=lambda v: v.expires_at - self._clock() > lead
            )
        except Exception as exc:  # PostgreSQL down: try again next tick; requests still hit
            log.warning("refreshing %s %s failed: %s", key.kind, key.query.partition_key, exc)
            return
        read = self._reads.get(key)
        if value is not None and read is not None:
            read.expires_at = value.expires_at
