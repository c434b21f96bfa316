"""The cross-process lock the chain takes before computing, so that many processes facing the
same miss compute once. Short-lived and advisory: it bounds work, it never guards correctness
(an expired lock lets a second process compute the same value, which is harmless)."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Protocol, TypeVar

from mediamesh.cache.metrics import ChainMetrics
from mediamesh.cache.rate_limited_log import RateLimitedLog
from mediamesh.errors import DependencyError, RedisUnavailable
from mediamesh.resilience.breaker import CircuitBreaker
from mediamesh.resilience.guards import guarded

T = TypeVar("T")
_reporter = RateLimitedLog(logging.getLogger(__name__))


class DistributedLock(Protocol):
    async def acquire(self, name: str, ttl_seconds: float) -> str | None:
        """A token if the lock was free (it now is ours for `ttl_seconds`), None if another
        holder has it. Never waits. Raises a DependencyError when the lock store fails."""
        ...

    async def release(self, name: str, token: str) -> None:
        """Release the lock if `token` still holds it (a lock that expired and was taken by
        someone else is left alone)."""
        ...


class GuardedLock:
    """A lock store behind its tier's breaker and budget (the Redis lists tier's: the same
    server). While Redis fails, taking the lock fails at once, so a miss goes on to compute
    instead of first waiting out the Redis timeout; its outcomes also tell the breaker."""

    def __init__(self, lock: DistributedLock, breaker: CircuitBreaker, budget: float) -> None:
        self._lock = lock
        self._breaker = breaker
        self._budget = budget

    async def acquire(self, name: str, ttl_seconds: float) -> str | None:
        return await self._guarded(lambda: self._lock.acquire(name, ttl_seconds))

    async def release(self, name: str, token: str) -> None:
        await self._guarded(lambda: self._lock.release(name, token))

    async def _guarded(self, call: Callable[[], Awaitable[T]]) -> T:
        return await guarded(
            self._breaker, self._budget, call, (RedisUnavailable,), RedisUnavailable
        )


class ComputeLock:
    """The chain's view of the lock: no lock store, or a failing one, means "go ahead"
    (a process computes rather than fail), counted in `metrics.lock_errors`.

    A lock command that timed out here may still reach the store later (a hanging Redis
    delivers it when it resumes) and take the lock for nobody: for a lock time after such a
    failure, finding that lock held also means "go ahead", instead of waiting out a holder
    that may not exist. At worst a list is computed twice, which the lock allows anyway."""

    def __init__(
        self, lock: DistributedLock | None, ttl_seconds: float, metrics: ChainMetrics
    ) -> None:
        self._lock = lock
        self.ttl_seconds = ttl_seconds
        self._metrics = metrics
        self._uncertain: dict[str, float] = {}  # name -> until when (monotonic)

    async def acquire(self, name: str) -> tuple[bool, str | None]:
        """(may compute, token to release)."""
        if self._lock is None:
            return True, None
        try:
            token = await self._lock.acquire(name, self.ttl_seconds)
        except DependencyError as exc:
            self._metrics.lock_errors += 1
            self._remember_uncertain(name)
            _reporter.warn("acquire", "compute lock unavailable, computing anyway: %s", exc)
            return True, None
        if token is None and self._uncertain.get(name, 0.0) > time.monotonic():
            return True, None  # perhaps held by our own attempt that failed: do not wait on it
        return token is not None, token

    def _remember_uncertain(self, name: str) -> None:
        now = time.monotonic()
        for stale in [n for n, until in self._uncertain.items() if until <= now]:
            del self._uncertain[stale]
        self._uncertain[name] = now + self.ttl_seconds

    async def release(self, name: str, token: str | None) -> None:
        if self._lock is None or token is None:
            return
        try:
            await self._lock.release(name, token)
        except DependencyError as exc:  # it expires by itself
            _reporter.warn("release", "could not release a compute lock: %s", exc)
