"""A lock command that timed out may still take the lock later (a hanging Redis delivers it
when it resumes): the compute lock must not wait on that holder (cache/lock.py). Pure logic
with a stand-in of our own DistributedLock interface; the real case is the suite's
"redis hangs"."""

from __future__ import annotations

import asyncio

import pytest

from mediamesh.cache.lock import ComputeLock, GuardedLock
from mediamesh.cache.metrics import ChainMetrics
from mediamesh.errors import RedisUnavailable
from mediamesh.resilience.breaker import CircuitBreaker, State
from mediamesh.storage.redis_failures import redis_failures


class GhostLock:
    """The first acquire times out, yet the lock ends up held by nobody we know."""

    def __init__(self) -> None:
        self.failed_once = False

    async def acquire(self, name: str, ttl_seconds: float) -> str | None:
        if not self.failed_once:
            self.failed_once = True
            raise RedisUnavailable("timed out")
        return None  # held: by the command that "failed"

    async def release(self, name: str, token: str) -> None:
        pass


async def test_a_lock_held_after_our_own_failed_attempt_does_not_make_us_wait() -> None:
    metrics = ChainMetrics()
    lock = ComputeLock(GhostLock(), ttl_seconds=10, metrics=metrics)
    assert await lock.acquire("a") == (True, None)  # failed: compute anyway
    assert await lock.acquire("a") == (True, None)  # held, maybe by that attempt: go ahead
    assert await lock.acquire("b") == (False, None)  # another name: a real holder, wait
    assert metrics.lock_errors == 1


async def test_the_doubt_ends_after_a_lock_time() -> None:
    lock = ComputeLock(GhostLock(), ttl_seconds=0.000001, metrics=ChainMetrics())
    assert await lock.acquire("a") == (True, None)
    assert await lock.acquire("a") == (False, None)  # the ghost would have expired by now


class CountingLock:
    """Hangs on every call (a stalled Redis) and counts the calls that reached it."""

    def __init__(self) -> None:
        self.calls = 0

    async def acquire(self, name: str, ttl_seconds: float) -> str | None:
        self.calls += 1
        await asyncio.sleep(3600)
        return None

    async def release(self, name: str, token: str) -> None:
        self.calls += 1
        await asyncio.sleep(3600)


async def test_the_lock_goes_through_the_redis_breaker() -> None:
    """A hanging lock store costs its budget until the breaker opens, then nothing: the
    chain computes at once instead of waiting on Redis for every miss."""
    store, breaker, metrics = CountingLock(), CircuitBreaker("redis_lists", 2, 60.0), ChainMetrics()
    lock = ComputeLock(GuardedLock(store, breaker, budget=0.01), ttl_seconds=10, metrics=metrics)
    for name in "abcde":
        assert await lock.acquire(name) == (True, None)
    assert store.calls == 2  # two timeouts opened the breaker; three were refused at once
    assert breaker.state is State.OPEN and breaker.short_circuits == 3
    assert metrics.lock_errors == 5


def test_a_closed_transport_inside_a_redis_call_is_an_outage() -> None:
    """uvloop raises RuntimeError when redis-py writes to a connection the server reset
    while it reconnected (seen in the fault suite's "redis refused"): a Redis outage, so the
    lock and the tiers fall back, not a 500."""
    with pytest.raises(RedisUnavailable, match="RuntimeError"), redis_failures("taking a lock"):
        raise RuntimeError("unable to perform operation on <TCPTransport closed=True>")
