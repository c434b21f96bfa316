"""The breakers of a running service, one per tier, created once with its clients
(app/resources.py) and shared by everything that calls the tier.

Each tier has its own breaker even when two share a store (DynamoDB lists and DynamoDB
search): their budgets differ, and one failing table must not close the other path.
"""

from __future__ import annotations

from dataclasses import dataclass

from mediamesh.resilience.breaker import CircuitBreaker, State
from mediamesh.settings import Settings

DEFAULT_FAILURE_THRESHOLD = 5
DEFAULT_RESET_SECONDS = 5.0

# which store each breaker guards: /health reports the breakers under their store
STORES = {
    "dynamodb_lists": "dynamodb",
    "dynamodb_search": "dynamodb",
    "redis_lists": "redis",
    "postgres_reads": "postgres",
    "postgres_writes": "postgres",
}


@dataclass(frozen=True)
class Breakers:
    dynamodb_lists: CircuitBreaker
    redis_lists: CircuitBreaker
    dynamodb_search: CircuitBreaker
    postgres_reads: CircuitBreaker
    # the write routes (catalog, events, indexing): a hanging PostgreSQL costs a few writes
    # their budget, then writes get 503 at once until a probe write succeeds
    postgres_writes: CircuitBreaker

    @classmethod
    def create(
        cls,
        failure_threshold: int = DEFAULT_FAILURE_THRESHOLD,
        reset_seconds: float = DEFAULT_RESET_SECONDS,
    ) -> Breakers:
        return cls(*(CircuitBreaker(name, failure_threshold, reset_seconds) for name in STORES))

    @classmethod
    def from_settings(cls, settings: Settings) -> Breakers:
        return cls.create(settings.breaker_failure_threshold, settings.breaker_reset_seconds)

    def all(self) -> tuple[CircuitBreaker, ...]:
        return (
            self.dynamodb_lists,
            self.redis_lists,
            self.dynamodb_search,
            self.postgres_reads,
            self.postgres_writes,
        )

    def for_list_tier(self, tier: str) -> CircuitBreaker | None:
        """The breaker of a cache tier of the discovery lists, by the tier's name."""
        return {"dynamodb": self.dynamodb_lists, "redis": self.redis_lists}.get(tier)

    def of_store(self, store: str) -> tuple[CircuitBreaker, ...]:
        return tuple(b for b in self.all() if STORES[b.name] == store)

    def snapshot(self) -> dict[str, dict[str, object]]:
        """Every breaker's state and counters, by name (for /health and /metrics)."""
        return {breaker.name: breaker.snapshot() for breaker in self.all()}

    def all_closed(self) -> bool:
        return all(breaker.state is State.CLOSED for breaker in self.all())
