"""The cache-aside chain: the tiers in order, then the source of truth.

get(key)
  1. every tier in order, each within its read budget; a tier that raises or exceeds its
     budget is skipped and counted, so the request is served by the next one
  2. a hit is returned at once and written back, in the background, to the tiers before it
     (once per key and generation in a process: cache/write_backs.py)
  3. a miss everywhere is computed once per process (single flight) and, across processes,
     by the holder of a short lock; the others poll the tiers for its result (bounded wait)
  4. the computed value is returned at once and written to every tier in the background
refresh(key) recomputes ahead of expiry (one refresher per key across processes);
rewrite(key, fix) applies a takedown to every tier's copy.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from mediamesh.cache.background import BackgroundTasks
from mediamesh.cache.guarded_tier import GuardedTier
from mediamesh.cache.lock import ComputeLock
from mediamesh.cache.metrics import ChainMetrics
from mediamesh.cache.single_flight import SingleFlight
from mediamesh.cache.tier import MISS, Expiring, Miss
from mediamesh.cache.write_backs import WriteBackClaims

K = TypeVar("K", bound=Hashable)
V = TypeVar("V", bound=Expiring)


@dataclass(frozen=True)
class Hit(Generic[V]):
    value: V
    source: str  # the tier's name, or the chain's source_name when computed


class CacheChain(Generic[K, V]):
    def __init__(
        self,
        tiers: Sequence[GuardedTier[K, V]],
        source: Callable[[K], Awaitable[V]],
        lock: ComputeLock,
        lock_name: Callable[[K], str],
        background: BackgroundTasks,
        metrics: ChainMetrics,
        *,
        source_name: str = "postgres",
        poll_seconds: float = 0.05,
        clock: Callable[[], float] = time.time,
        admit: Callable[[K], Awaitable[None]] | None = None,
        register: Callable[[K, V], Awaitable[bool]] | None = None,
        generation: Callable[[V], Hashable] | None = None,
        max_write_back_claims: int = 4096,
    ) -> None:
        """`admit(key)` runs before anything else in get() and raises to refuse a key the
        source does not know: nothing is read, computed or stored for it. `register(key,
        value)` runs before a computed value is stored; False stores it nowhere (a bounded key
        space is full): it is still returned. `generation(value)` names a value's content:
        hits of one generation are written back once (cache/write_backs.py)."""
        self.tiers = tuple(tiers)
        self.metrics = metrics
        self.source_name = source_name
        self._source = source
        self._lock = lock
        self._lock_name = lock_name
        self._background = background
        self._poll_seconds = poll_seconds
        self._clock = clock
        self._flights: SingleFlight[K, Hit[V]] = SingleFlight()
        self._admit = admit
        self._register = register
        self._generation = generation
        # (index of the tier that had the hit, key): its front tiers hold that generation
        self._claims: WriteBackClaims[tuple[int, K]] = WriteBackClaims(max_write_back_claims)

    async def get(self, key: K) -> Hit[V]:
        """The value from the first tier that has it, else computed from the source.
        Raises only what `admit` or the source raises (every tier failing is a miss)."""
        if self._admit is not None:
            await self._admit(key)
        hit = await self._lookup(key, count=True)
        if hit is not None:
            return hit
        hit, joined = await self._flights.run(key, lambda: self._load(key))
        if joined:
            self.metrics.single_flight_joins += 1
        return hit

    async def refresh(self, key: K, good_enough: Callable[[V], bool]) -> V | None:
        """Recompute `key` and store it in every tier before returning it — unless another
        process holds the key's lock (None), or a tier already holds a value that is
        `good_enough` (returned: someone else refreshed it)."""
        name = self._lock_name(key)
        may_compute, token = await self._lock.acquire(name)
        if not may_compute:
            return None
        try:
            hit = await self._lookup(key, count=False)
            if hit is not None and good_enough(hit.value):
                return hit.value
            self.metrics.refreshes += 1
            value = await self._compute(key)
            if await self._registered(key, value):
                await asyncio.gather(*(tier.write(key, value) for tier in self.tiers))
            return value
        finally:
            await self._lock.release(name, token)

    async def rewrite(self, key: K, fix: Callable[[V], V | None]) -> bool:
        """Apply `fix` to every tier's copy of `key` (None keeps a copy as it is).
        A changed copy is deleted from its tier; the tier nearest the source gets the fixed
        copy, and the tiers in front of it refill from there through write-back.
        Returns whether it is done: False when a tier could not be read or changed (its
        breaker open, a timeout, an error), so the caller tries again later."""
        for index in range(1, len(self.tiers)):
            self._claims.forget((index, key))  # the fixed copy is a new generation anyway
        now = self._clock()
        copies = await asyncio.gather(*(t.inspect(key, now) for t in self.tiers))
        fixed = [None if copy is None or isinstance(copy, Miss) else fix(copy) for copy in copies]
        changed = [i for i, value in enumerate(fixed) if value is not None]
        reached = all(copy is not None for copy in copies)
        if not changed:
            return reached
        last = len(self.tiers) - 1
        work = [self.tiers[i].delete(key) for i in changed if i != last]
        replacement = fixed[last] if last in changed else fixed[changed[0]]
        if replacement is not None and (last in changed or copies[last] is MISS):
            work.append(self.tiers[last].write(key, replacement))
        done = await asyncio.gather(*work)
        return reached and all(done)

    async def _lookup(self, key: K, count: bool) -> Hit[V] | None:
        now = self._clock()
        for index, tier in enumerate(self.tiers):
            value = await tier.read(key, now, count)
            if isinstance(value, Miss):
                continue
            if index:
                self._write_back(index, key, value)
            return Hit(value, tier.name)
        return None

    def _write_back(self, index: int, key: K, value: V) -> None:
        """Write a hit from tier `index` to the tiers in front of it, once per generation."""
        generation = None if self._generation is None else self._generation(value)
        if generation is not None and not self._claims.claim((index, key), generation):
            self.metrics.write_backs_joined += 1
            return
        self._background.submit(self._write_back_once(index, key, value, generation), "write-back")

    async def _write_back_once(
        self, index: int, key: K, value: V, generation: Hashable | None
    ) -> None:
        done = await asyncio.gather(*(tier.write(key, value) for tier in self.tiers[:index]))
        if generation is not None and not all(done):
            self._claims.release((index, key), generation)

    async def _load(self, key: K) -> Hit[V]:
        name = self._lock_name(key)
        deadline = time.monotonic() + self._lock.ttl_seconds
        waited = False
        while True:
            may_compute, token = await self._lock.acquire(name)
            if may_compute:
                # the holder before us may have stored its result since our lookup missed
                holds_lock = token is not None
                hit = await self._lookup(key, count=False) if holds_lock or waited else None
                if hit is not None:
                    await self._lock.release(name, token)
                    return hit
                return await self._compute_and_store(key, token)
            if not waited:
                self.metrics.lock_waits += 1
                waited = True
            await asyncio.sleep(self._poll_seconds)
            hit = await self._lookup(key, count=False)
            if hit is not None:
                return hit
            if time.monotonic() >= deadline:  # the holder seems stuck: compute ourselves
                return await self._compute_and_store(key, None)

    async def _compute_and_store(self, key: K, token: str | None) -> Hit[V]:
        try:
            value = await self._compute(key)
        except BaseException:
            await self._lock.release(self._lock_name(key), token)
            raise
        self._background.submit(self._store(self.tiers, key, value, token), "store")
        return Hit(value, self.source_name)

    async def _registered(self, key: K, value: V) -> bool:
        if self._register is None or await self._register(key, value):
            return True
        self.metrics.not_registered += 1
        return False

    async def _compute(self, key: K) -> V:
        self.metrics.source_loads += 1
        return await self._source(key)

    async def _store(
        self, tiers: Sequence[GuardedTier[K, V]], key: K, value: V, token: str | None
    ) -> None:
        try:
            if await self._registered(key, value):
                await asyncio.gather(*(tier.write(key, value) for tier in tiers))
        finally:  # released after the write, so that waiting processes find the value
            await self._lock.release(self._lock_name(key), token)
