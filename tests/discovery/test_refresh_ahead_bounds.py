"""Refresh ahead stays bounded: how many lists it remembers, how many it refreshes at once.
Pure logic: the chain runs on in-memory tiers of our own interface (tests/cache)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from mediamesh.cache.background import BackgroundTasks
from mediamesh.cache.chain import CacheChain
from mediamesh.cache.guarded_tier import GuardedTier
from mediamesh.cache.lock import ComputeLock
from mediamesh.cache.metrics import ChainMetrics
from mediamesh.discovery.cached_list import CachedList, ListKey
from mediamesh.discovery.models import ListKind, ListQuery
from mediamesh.discovery.refresh_ahead import RefreshAhead
from tests.cache.memory_tier import MemoryLock, MemoryTier


class Source:
    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.running = 0
        self.most = 0
        self.computed: list[ListKey] = []

    async def __call__(self, key: ListKey) -> CachedList:
        self.running += 1
        self.most = max(self.most, self.running)
        self.computed.append(key)
        try:
            await self.release.wait()
        finally:
            self.running -= 1
        now = time.time()
        return CachedList("v", now, now + 600, ())


def refresher(source: Source, max_lists: int = 100, concurrency: int = 4) -> RefreshAhead:
    metrics = ChainMetrics()
    tier = MemoryTier("memory")
    chain: CacheChain[ListKey, CachedList] = CacheChain(
        [GuardedTier(tier, metrics.tier("memory"), 1.0, 1.0)],  # type: ignore[arg-type]
        source,
        ComputeLock(MemoryLock(), 5.0, metrics),
        lambda key: f"lock:{key.query.category}",
        BackgroundTasks(),
        metrics,
    )
    return RefreshAhead(
        chain, lambda key: 60.0, 300.0, max_lists=max_lists, concurrency=concurrency
    )


def key(n: int) -> ListKey:
    return ListKey(ListKind.TRENDING, ListQuery(category=f"c{n}"), "v")


async def test_it_remembers_the_most_recently_read_lists_only() -> None:
    refresh = refresher(Source(), max_lists=3)
    for n in range(5):
        refresh.note(key(n), time.time() + 600)
    assert refresh.keys() == [key(2), key(3), key(4)]
    refresh.note(key(2), time.time() + 600)  # read again: now the most recent
    refresh.note(key(5), time.time() + 600)
    assert refresh.keys() == [key(4), key(2), key(5)]


async def test_refreshes_run_at_most_concurrency_at_once_soonest_first() -> None:
    source = Source()
    refresh = refresher(source, concurrency=2)
    now = time.time()
    for n in range(5):  # all due (less than the 60 s lead left); key(4) expires first
        refresh.note(key(n), now + 50 - n)
    first = refresh.tick()
    assert len(first) == 2
    await _until(lambda: source.running == 2)
    assert refresh.tick() == []  # the cap is reached: the others wait, still due
    assert set(source.computed) == {key(4), key(3)}
    source.release.set()
    await asyncio.gather(*first)
    started = first
    while len(source.computed) < 5:
        started = refresh.tick()
        assert len(started) <= 2
        await asyncio.gather(*started)
    assert source.most == 2
    assert sorted(source.computed, key=lambda k: str(k.query.category)) == [
        key(n) for n in range(5)
    ]


async def _until(condition: Callable[[], bool], within: float = 30.0) -> None:
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, "the condition never held"
        await asyncio.sleep(0)
