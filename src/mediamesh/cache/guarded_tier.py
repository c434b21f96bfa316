"""A tier as the chain uses it: every call within its budget, every outcome counted, and no
failure ever escaping (a failing tier reads as MISS; a failed write is logged and counted).

With a circuit breaker, a tier that keeps failing is skipped at once (`short_circuits`)
instead of costing every request its budget; writes wait until the breaker is closed."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

from mediamesh.cache.metrics import TierCounters
from mediamesh.cache.rate_limited_log import RateLimitedLog
from mediamesh.cache.tier import MISS, Expiring, Miss, Tier
from mediamesh.resilience.breaker import CircuitBreaker, State

K = TypeVar("K")
V = TypeVar("V", bound=Expiring)

_reporter = RateLimitedLog(logging.getLogger(__name__))


class GuardedTier(Generic[K, V]):
    def __init__(
        self,
        tier: Tier[K, V],
        counters: TierCounters,
        read_timeout: float,
        write_timeout: float,
        breaker: CircuitBreaker | None = None,
        group_counters: Callable[[K], TierCounters] | None = None,
    ) -> None:
        self.tier = tier
        self.breaker = breaker
        self.name = tier.name
        self.counters = counters
        # optional finer counters, e.g. per list kind, kept beside the tier's totals
        self._group_counters = group_counters
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout

    async def read(self, key: K, now: float, count: bool = True) -> V | Miss:
        """The tier's value or MISS; an error or a timeout is a counted MISS. Hits and misses
        are counted only when `count` (the chain's own re-checks are not requests)."""
        if self.breaker is not None and not self.breaker.allow():
            for c in self._counted(key):
                c.short_circuits += 1
            return MISS
        value = await self._get(key, now, self._read_timeout)
        if isinstance(value, TimeoutError):
            for c in self._counted(key):
                c.timeouts += 1
            _reporter.warn(self.name, "read from %s exceeded its budget: skipped", self.name)
            return MISS
        if isinstance(value, Exception):
            for c in self._counted(key):
                c.errors += 1
            _reporter.warn(self.name, "read from %s failed: skipped (%s)", self.name, value)
            return MISS
        if count:
            for c in self._counted(key):
                if value is MISS:
                    c.misses += 1
                else:
                    c.hits += 1
        return value

    async def inspect(self, key: K, now: float) -> V | Miss | None:
        """The tier's value or MISS, uncounted, for a change to follow; None when the tier
        cannot tell (breaker open, timeout, error): a copy may still be there. Off the hot
        path, so within the write budget, not the read budget."""
        if self.breaker is not None and not self.breaker.allow():
            return None
        value = await self._get(key, now, self._write_timeout)
        if isinstance(value, Exception):
            detail = str(value) or type(value).__name__
            _reporter.warn(self.name, "read from %s for a change failed: %s", self.name, detail)
            return None
        return value

    async def _get(self, key: K, now: float, budget: float) -> V | Miss | Exception:
        """The tier's value (MISS for one past its expiry) within `budget`, or what it failed
        with (TimeoutError when the budget ran out); the breaker hears of the outcome."""
        try:
            async with asyncio.timeout(budget):
                value = await self.tier.get(key, now)
        except Exception as exc:
            self._failed()
            return exc
        except BaseException:
            if self.breaker is not None:
                self.breaker.abandoned()
            raise
        if self.breaker is not None:
            self.breaker.succeeded()
        if value is not MISS and value.expires_at <= now:
            return MISS  # a tier must not return it; if one does, it is still not served
        return value

    async def write(self, key: K, value: V) -> bool:
        return await self._change(key, self.tier.put(key, value), "write-back")

    async def delete(self, key: K) -> bool:
        return await self._change(key, self.tier.delete(key), "delete")

    async def _change(self, key: K, change: Awaitable[None], what: str) -> bool:
        if self.breaker is not None and self.breaker.state is not State.CLOSED:
            # the tier is failing: a write would only wait out its budget (reads probe it)
            for c in self._counted(key):
                c.write_back_errors += 1
            if asyncio.iscoroutine(change):
                change.close()  # never awaited: say so, or Python warns about it
            return False
        try:
            async with asyncio.timeout(self._write_timeout):
                await change
        except Exception as exc:  # a write-back never fails anything but itself
            self._failed()
            for c in self._counted(key):
                c.write_back_errors += 1
            detail = "timed out" if isinstance(exc, TimeoutError) else str(exc)
            _reporter.warn(f"w:{self.name}", "%s to %s failed: %s", what, self.name, detail)
            return False
        for c in self._counted(key):
            c.write_backs += 1
        return True

    def _counted(self, key: K) -> tuple[TierCounters, ...]:
        if self._group_counters is None:
            return (self.counters,)
        return (self.counters, self._group_counters(key))

    def _failed(self) -> None:
        if self.breaker is not None:
            self.breaker.failed()
