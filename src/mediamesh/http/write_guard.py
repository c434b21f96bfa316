"""The write routes' PostgreSQL work, within POSTGRES_WRITE_TIMEOUT_SECONDS and behind the
`postgres_writes` breaker.

Without it a hanging PostgreSQL would hold a write for asyncpg's command timeout (30 s), and
every write behind it as long. With it a write gets a 503 with Retry-After within its budget
(the transaction is rolled back: nothing acknowledged), and once the breaker is open, at
once. Only the transaction is guarded: what a route does after its commit (a takedown's
cache purge) has budgets of its own and must not turn a stored write into a 503.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from fastapi import Request

from mediamesh.http.app_state import breakers_of, settings_of
from mediamesh.resilience import guards

T = TypeVar("T")


async def postgres_write(request: Request, write: Callable[[], Awaitable[T]]) -> T:
    """`write()`'s result; raises PostgresUnavailable (503) when the breaker is open, the
    budget runs out, or PostgreSQL fails."""
    return await guards.postgres_write(
        breakers_of(request).postgres_writes,
        settings_of(request).postgres_write_timeout_seconds,
        write,
    )
