"""The chain's logic with in-memory tiers of our own interface (no store is faked here:
the same properties are proven against the real stores in tests/discovery)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from mediamesh.cache.background import BackgroundTasks
from mediamesh.cache.chain import CacheChain
from mediamesh.cache.guarded_tier import GuardedTier
from mediamesh.cache.lock import ComputeLock
from mediamesh.cache.metrics import ChainMetrics
from mediamesh.errors import NotFound, PostgresUnavailable, RedisUnavailable
from tests.cache.memory_tier import MemoryLock, MemoryTier, Value


class Harness:
    def __init__(self, names: tuple[str, ...] = ("first", "second"), **hooks: Any) -> None:
        self.tiers = [MemoryTier(name) for name in names]
        self.lock = MemoryLock()
        self.metrics = ChainMetrics()
        self.background = BackgroundTasks()
        self.computed: list[str] = []
        self.source_error: Exception | None = None
        self.release = asyncio.Event()
        self.release.set()
        guarded = [GuardedTier(t, self.metrics.tier(t.name), 0.05, 0.05) for t in self.tiers]
        self.chain: CacheChain[str, Value] = CacheChain(
            guarded,
            self.compute,
            ComputeLock(self.lock, 0.5, self.metrics),
            lambda key: f"lock:{key}",
            self.background,
            self.metrics,
            poll_seconds=0.01,
            **hooks,
        )

    async def compute(self, key: str) -> Value:
        self.computed.append(key)
        await self.release.wait()
        if self.source_error is not None:
            raise self.source_error
        return Value(f"computed {key}")


async def until(condition: Callable[[], bool], within: float = 30.0) -> None:
    """Yield to the event loop until `condition()` holds (a failure after `within` s)."""
    deadline = asyncio.get_running_loop().time() + within
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "the condition never held"
        await asyncio.sleep(0)


async def test_a_hit_is_written_back_to_the_tiers_in_front_only() -> None:
    h = Harness(("a", "b", "c"))
    h.tiers[1].data["k"] = Value("from b")
    hit = await h.chain.get("k")
    await h.background.wait_idle()
    assert (hit.value, hit.source) == (Value("from b"), "b")
    assert h.tiers[0].data == {"k": Value("from b")} and h.tiers[2].data == {}
    assert h.computed == []
    counters = h.metrics.tiers
    assert (counters["a"].misses, counters["b"].hits, counters["a"].write_backs) == (1, 1, 1)


async def test_a_miss_is_computed_once_and_stored_everywhere() -> None:
    h = Harness()
    h.release.clear()
    requests = [asyncio.create_task(h.chain.get("k")) for _ in range(50)]
    # every request has missed both tiers, and so is in the flight (joined, or started it)
    await until(lambda: h.metrics.tiers["second"].misses == 50)
    h.release.set()
    hits = await asyncio.gather(*requests)
    await h.background.wait_idle()
    assert {(hit.value.text, hit.source) for hit in hits} == {("computed k", "postgres")}
    assert h.computed == ["k"]
    assert h.metrics.single_flight_joins == 49 and h.metrics.source_loads == 1
    assert [t.data for t in h.tiers] == [{"k": Value("computed k")}] * 2
    assert h.lock.holders == {}  # released after the write


async def test_a_failing_or_hanging_tier_is_skipped_and_counted() -> None:
    h = Harness()
    h.tiers[0].fail = RedisUnavailable("down")
    h.tiers[1].data["k"] = Value("second")
    assert (await h.chain.get("k")).source == "second"
    await h.background.wait_idle()  # its write-back failed too: counted, not raised
    h.tiers[0].fail, h.tiers[0].hang = None, True
    assert (await h.chain.get("k")).source == "second"
    await h.background.wait_idle()  # this write-back exceeded its budget
    first = h.metrics.tiers["first"]
    assert (first.errors, first.timeouts, first.hits, first.misses) == (1, 1, 0, 0)
    assert (first.write_backs, first.write_back_errors) == (0, 2)


async def test_an_expired_value_from_a_tier_is_not_served() -> None:
    h = Harness()

    async def stale(key: str, now: float) -> Value:
        return Value("stale", expires_at=now - 1)

    h.tiers[0].get = stale  # type: ignore[method-assign]
    hit = await h.chain.get("k")
    assert hit.value.text == "computed k"


async def test_a_source_error_reaches_every_waiter_and_frees_the_lock() -> None:
    h = Harness()
    h.source_error = PostgresUnavailable("down")
    results = await asyncio.gather(*(h.chain.get("k") for _ in range(5)), return_exceptions=True)
    assert all(isinstance(r, PostgresUnavailable) for r in results)
    assert h.computed == ["k"] and h.lock.holders == {}


async def test_another_holder_of_the_lock_is_waited_for() -> None:
    h = Harness()
    h.lock.holders["lock:k"] = "another process"

    async def the_other_process() -> None:
        await until(lambda: h.metrics.lock_waits == 1)  # once the chain waits for it
        h.tiers[1].data["k"] = Value("theirs")

    hit, _ = await asyncio.gather(h.chain.get("k"), the_other_process())
    assert (hit.value.text, hit.source) == ("theirs", "second")
    assert h.computed == [] and h.metrics.lock_waits == 1


async def test_a_stuck_holder_is_waited_for_at_most_the_lock_time() -> None:
    h = Harness()
    h.lock.holders["lock:k"] = "a process that died"
    hit = await h.chain.get("k")  # lock time is 0.5 s in the harness
    assert hit.value.text == "computed k" and h.metrics.lock_waits == 1


async def test_a_failing_lock_store_means_compute_anyway() -> None:
    h = Harness()
    h.lock.fail = RedisUnavailable("down")
    assert (await h.chain.get("k")).value.text == "computed k"
    assert h.metrics.lock_errors == 1


async def test_refresh_is_skipped_when_someone_holds_the_lock_or_it_is_fresh() -> None:
    h = Harness()
    h.lock.holders["lock:k"] = "another process"
    assert await h.chain.refresh("k", lambda v: False) is None
    del h.lock.holders["lock:k"]
    h.tiers[0].data["k"] = Value("fresh")
    assert await h.chain.refresh("k", lambda v: v.text == "fresh") == Value("fresh")
    assert h.computed == []
    assert await h.chain.refresh("k", lambda v: False) == Value("computed k")
    assert [t.data["k"] for t in h.tiers] == [Value("computed k")] * 2  # stored before return
    assert h.metrics.refreshes == 1 and h.lock.holders == {}


@pytest.mark.parametrize(
    ("front", "back", "expected_front", "expected_back"),
    [
        ("bad", "bad", None, "fixed bad"),  # both fixed: front dropped, back replaced
        ("bad", None, None, "fixed bad"),  # the back tier gets the fixed copy
        ("bad", "good", None, "good"),  # a clean back copy is kept
        ("good", "bad", "good", "fixed bad"),
        ("good", None, "good", None),  # nothing to fix
    ],
)
async def test_rewrite(
    front: str | None, back: str | None, expected_front: str | None, expected_back: str | None
) -> None:
    h = Harness()
    for tier, text in zip(h.tiers, (front, back), strict=True):
        if text is not None:
            tier.data["k"] = Value(text)

    def fix(value: Value) -> Value | None:
        return Value(f"fixed {value.text}") if value.text == "bad" else None

    await h.chain.rewrite("k", fix)
    found = [t.data["k"].text if "k" in t.data else None for t in h.tiers]
    assert found == [expected_front, expected_back]


async def test_concurrent_hits_of_one_generation_are_written_back_once() -> None:
    h = Harness(generation=lambda value: value.text)
    h.tiers[1].data["k"] = Value("v1")
    hits = await asyncio.gather(*(h.chain.get("k") for _ in range(20)))
    await h.background.wait_idle()
    h.tiers[0].data.clear()  # gone from the front tier (evicted): the claim still stands
    await h.chain.get("k")
    await h.background.wait_idle()
    assert {hit.source for hit in hits} <= {"first", "second"}
    assert h.tiers[0].puts == 1
    assert h.metrics.tier("first").write_backs == 1
    h.tiers[1].data["k"] = Value("v2")  # a new generation is written back, once
    await asyncio.gather(*(h.chain.get("k") for _ in range(5)))
    await h.background.wait_idle()
    assert h.tiers[0].puts == 2 and h.tiers[0].data["k"] == Value("v2")


async def test_a_failed_write_back_may_be_tried_again() -> None:
    h = Harness(generation=lambda value: value.text)
    h.tiers[1].data["k"] = Value("v1")
    h.tiers[0].fail = RedisUnavailable("down")
    await h.chain.get("k")
    await h.background.wait_idle()
    h.tiers[0].fail = None
    await h.chain.get("k")
    await h.background.wait_idle()
    assert h.tiers[0].data["k"] == Value("v1")
    assert h.metrics.tier("first").write_backs == 1
    assert h.metrics.tier("first").write_back_errors == 1


async def test_a_rewrite_lets_the_key_be_written_back_again() -> None:
    h = Harness(generation=lambda value: value.text)
    h.tiers[1].data["k"] = Value("v1")
    await h.chain.get("k")
    await h.background.wait_idle()
    assert await h.chain.rewrite("k", lambda value: None)  # nothing to change
    h.tiers[0].data.clear()
    await h.chain.get("k")
    await h.background.wait_idle()
    assert h.tiers[0].puts == 2


async def test_a_key_refused_by_admit_reads_computes_and_stores_nothing() -> None:
    async def admit(key: str) -> None:
        if key.startswith("unknown"):
            raise NotFound(f"no {key}")

    h = Harness(admit=admit)
    h.tiers[0].data["unknown-1"] = Value("planted")  # not even a tier is read
    with pytest.raises(NotFound):
        await h.chain.get("unknown-1")
    await h.background.wait_idle()
    assert h.computed == [] and h.tiers[1].data == {} and h.lock.holders == {}
    assert h.metrics.tier("first").hits == h.metrics.tier("first").misses == 0
    assert (await h.chain.get("known")).source == "postgres"


async def test_a_value_refused_by_register_is_returned_and_stored_nowhere() -> None:
    registered: list[str] = []

    async def register(key: str, value: Value) -> bool:
        if key == "full":
            return False
        registered.append(key)
        return True

    h = Harness(register=register)
    assert (await h.chain.get("full")).value == Value("computed full")
    await h.background.wait_idle()
    assert all(tier.data == {} for tier in h.tiers)
    assert h.lock.holders == {}  # released all the same
    assert await h.chain.refresh("full", good_enough=lambda value: False) == Value("computed full")
    assert all(tier.data == {} for tier in h.tiers)
    await h.chain.get("ok")
    await h.background.wait_idle()
    assert registered == ["ok"] and all("ok" in tier.data for tier in h.tiers)
    assert h.metrics.not_registered == 2
