"""The circuit breaker's state machine (pure logic, a hand-driven clock)."""

from __future__ import annotations

import asyncio

import pytest

from mediamesh.errors import InvalidInput, PostgresUnavailable
from mediamesh.resilience.breaker import CircuitBreaker, State
from mediamesh.resilience.breakers import Breakers
from mediamesh.resilience.guards import postgres_read


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def breaker(clock: Clock, threshold: int = 3, reset: float = 2.0) -> CircuitBreaker:
    return CircuitBreaker("test", threshold, reset, clock)


def test_opens_after_consecutive_failures_only() -> None:
    clock = Clock()
    b = breaker(clock)
    b.failed()
    b.failed()
    b.succeeded()  # the count is of consecutive failures
    b.failed()
    b.failed()
    assert (b.state, b.allow()) == (State.CLOSED, True)
    b.failed()
    assert (b.state, b.allow(), b.allow()) == (State.OPEN, False, False)
    assert b.snapshot() == {
        "state": "open",
        "consecutiveFailures": 3,
        "opens": 1,
        "shortCircuits": 2,
    }


def test_half_open_lets_one_probe_through_and_its_success_closes() -> None:
    clock = Clock()
    b = breaker(clock)
    for _ in range(3):
        b.failed()
    clock.now += 2.0
    assert b.state is State.HALF_OPEN
    assert [b.allow(), b.allow()] == [True, False]  # one probe at a time
    b.succeeded()
    assert (b.state, b.allow(), b.snapshot()["consecutiveFailures"]) == (State.CLOSED, True, 0)


def test_a_failed_probe_opens_it_for_another_cool_down() -> None:
    clock = Clock()
    b = breaker(clock)
    for _ in range(3):
        b.failed()
    clock.now += 2.0
    assert b.allow() is True
    b.failed()
    assert (b.state, b.opens) == (State.OPEN, 2)
    clock.now += 1.9
    assert b.allow() is False
    clock.now += 0.1
    assert b.allow() is True


def test_a_probe_that_never_reports_is_given_up_after_a_cool_down() -> None:
    clock = Clock()
    b = breaker(clock)
    for _ in range(3):
        b.failed()
    clock.now += 2.0
    assert b.allow() is True
    clock.now += 1.0
    assert b.allow() is False
    clock.now += 1.0
    assert b.allow() is True


async def test_recording_counts_only_the_failures_named() -> None:
    clock = Clock()
    b = breaker(clock, threshold=1)
    with pytest.raises(InvalidInput):
        async with b.recording(failures=(PostgresUnavailable,)):
            raise InvalidInput("a caller's mistake: the tier answered")
    assert b.state is State.CLOSED
    with pytest.raises(PostgresUnavailable):
        async with b.recording(failures=(PostgresUnavailable,)):
            raise PostgresUnavailable("down")
    assert b.state is State.OPEN


async def test_postgres_read_refuses_at_once_while_open_and_times_out_within_budget() -> None:
    b = CircuitBreaker("postgres_reads", 1, 60.0)
    never = asyncio.Event()

    async def hanging() -> int:
        await never.wait()
        return 1

    with pytest.raises(PostgresUnavailable, match=r"no answer within 0\.05 s"):
        await postgres_read(b, 0.05, hanging)
    assert b.state is State.OPEN
    calls: list[int] = []

    async def counted() -> int:
        calls.append(1)
        return 1

    with pytest.raises(PostgresUnavailable, match="circuit open"):
        await postgres_read(b, 0.05, counted)
    assert calls == []


def test_breakers_by_tier_and_store() -> None:
    breakers = Breakers.create(failure_threshold=2, reset_seconds=1.0)
    assert breakers.for_list_tier("dynamodb") is breakers.dynamodb_lists
    assert breakers.for_list_tier("redis") is breakers.redis_lists
    assert breakers.for_list_tier("memory") is None
    assert [b.name for b in breakers.of_store("dynamodb")] == ["dynamodb_lists", "dynamodb_search"]
    assert set(breakers.snapshot()) == {
        "dynamodb_lists",
        "redis_lists",
        "dynamodb_search",
        "postgres_reads",
        "postgres_writes",
    }
    assert [b.name for b in breakers.of_store("postgres")] == ["postgres_reads", "postgres_writes"]
    assert breakers.all_closed() is True
