"""A call to a dependency behind its tier's breaker and within its budget.

The paths that call these have a fallback (the next tier, a stale list, DynamoDB's partial
matches, PostgreSQL for a search) that is only useful if it comes quickly: an open breaker
refuses at once, and a call slower than its budget counts as a failure.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from mediamesh.errors import (
    DependencyError,
    DynamoDBError,
    DynamoDBUnavailable,
    PostgresUnavailable,
)
from mediamesh.resilience.breaker import CircuitBreaker

T = TypeVar("T")


async def guarded(
    breaker: CircuitBreaker,
    budget_seconds: float,
    call: Callable[[], Awaitable[T]],
    failures: tuple[type[DependencyError], ...],
    unavailable: type[DependencyError],
) -> T:
    """`call()`'s result. Raises `unavailable` at once while the breaker is open and when
    the call exceeds `budget_seconds` (messages fit for any caller: they name the breaker
    and the budget, never a host); what `call` raises passes through, counted against the
    tier when it is one of `failures`."""
    if not breaker.allow():
        refused = f"{breaker.name}: failing (circuit open); try again shortly"
        raise unavailable(refused, public=refused)
    async with breaker.recording(failures=(*failures, TimeoutError)):
        try:
            async with asyncio.timeout(budget_seconds):
                return await call()
        except TimeoutError as exc:
            late = f"{breaker.name}: no answer within {budget_seconds:g} s"
            raise unavailable(late, public=late) from exc


async def postgres_read(
    breaker: CircuitBreaker, budget_seconds: float, read: Callable[[], Awaitable[T]]
) -> T:
    """A PostgreSQL read; raises PostgresUnavailable (open breaker, budget, outage)."""
    return await guarded(breaker, budget_seconds, read, (PostgresUnavailable,), PostgresUnavailable)


async def postgres_write(
    breaker: CircuitBreaker, budget_seconds: float, write: Callable[[], Awaitable[T]]
) -> T:
    """A PostgreSQL write (one transaction); raises PostgresUnavailable (open breaker, budget,
    outage). A write cut off by its budget is rolled back, unless its COMMIT had already
    reached the server: then it is stored though refused, and the client's retry repeats it
    (harmless for the catalog and the index, which are idempotent; docs/OPERATIONS.md)."""
    return await guarded(
        breaker, budget_seconds, write, (PostgresUnavailable,), PostgresUnavailable
    )


async def dynamodb_read(
    breaker: CircuitBreaker, budget_seconds: float, read: Callable[[], Awaitable[T]]
) -> T:
    """A DynamoDB read; raises DynamoDBUnavailable (open breaker, budget) or what the read
    raises (every DynamoDBError counts against the tier)."""
    return await guarded(breaker, budget_seconds, read, (DynamoDBError,), DynamoDBUnavailable)
