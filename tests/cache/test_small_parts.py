"""Single flight, the near cache and TTL jitter: pure logic."""

from __future__ import annotations

import asyncio
import random

import pytest

from mediamesh.cache.jitter import jittered_ttl
from mediamesh.cache.near_cache import NearCache
from mediamesh.cache.single_flight import SingleFlight


async def test_single_flight_shares_one_run_and_survives_a_cancelled_caller() -> None:
    flights: SingleFlight[str, int] = SingleFlight()
    runs = 0
    gate = asyncio.Event()

    async def compute() -> int:
        nonlocal runs
        runs += 1
        await gate.wait()
        return 42

    first = asyncio.create_task(flights.run("k", compute))
    others = [asyncio.create_task(flights.run("k", compute)) for _ in range(3)]
    await asyncio.sleep(0)
    first.cancel()
    gate.set()
    results = await asyncio.gather(*others)
    assert results == [(42, True)] * 3 and runs == 1
    assert not flights.is_running("k")
    assert await flights.run("k", compute) == (42, False) and runs == 2


def test_near_cache_expires_and_evicts_the_least_recently_used() -> None:
    cache: NearCache[str, str] = NearCache(max_entries=2, ttl_seconds=2.0)
    cache.put("a", "A", now=0.0)
    cache.put("b", "B", now=0.0, not_after=0.5)
    assert cache.get("b", now=0.6) is None  # its list expired before the near-cache TTL
    cache.put("b", "B", now=1.0)
    assert cache.get("a", now=1.0) == "A"  # a is now the most recently used
    cache.put("c", "C", now=1.0)
    assert (cache.get("b", 1.0), cache.get("a", 1.0), cache.get("c", 1.0)) == (None, "A", "C")
    assert cache.get("a", now=2.0) is None
    cache.clear()
    assert len(cache) == 0


def test_near_cache_with_zero_ttl_keeps_nothing() -> None:
    cache: NearCache[str, str] = NearCache(max_entries=2, ttl_seconds=0)
    cache.put("a", "A", now=0.0)
    assert cache.get("a", now=0.0) is None and not cache.enabled


def test_jitter_only_shortens_and_spreads() -> None:
    rng = random.Random(7)
    ttls = [jittered_ttl(600, 0.1, rng) for _ in range(1000)]
    assert all(540 <= ttl <= 600 for ttl in ttls)
    assert max(ttls) - min(ttls) > 50  # spread over the range, not one value
    assert jittered_ttl(600, 0.0, rng) == 600
    with pytest.raises(ValueError):
        jittered_ttl(600, 1.0, rng)
