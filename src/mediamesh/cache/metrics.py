"""Counters of the cache chain: plain integers, read by tests now and by /metrics later."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass
class TierCounters:
    hits: int = 0
    misses: int = 0
    errors: int = 0  # the tier raised: skipped
    timeouts: int = 0  # the tier exceeded its read budget: skipped
    short_circuits: int = 0  # reads skipped without a call: the tier's breaker was open
    write_backs: int = 0
    write_back_errors: int = 0  # failed, timed out or skipped (breaker not closed)


@dataclass
class ChainMetrics:
    tiers: dict[str, TierCounters] = field(default_factory=dict)
    groups: dict[tuple[str, str], TierCounters] = field(default_factory=dict)  # (tier, group)
    source_loads: int = 0  # computations from the source of truth (misses and refreshes)
    single_flight_joins: int = 0  # requests that waited for a computation already running
    lock_waits: int = 0  # computations left to another process holding the lock
    lock_errors: int = 0  # the lock store failed: computed without the lock
    refreshes: int = 0  # refresh-ahead computations
    stale_served: int = 0  # PostgreSQL failed and no tier had it: the last good copy served
    write_backs_joined: int = 0  # hits whose generation was already being, or was, written back
    not_registered: int = 0  # computed values stored nowhere: the bounded key space was full

    def tier(self, name: str) -> TierCounters:
        return self.tiers.setdefault(name, TierCounters())

    def group(self, tier: str, group: str) -> TierCounters:
        """Counters of one tier for one group of keys (the discovery lists: per list kind)."""
        return self.groups.setdefault((tier, group), TierCounters())

    def snapshot(self) -> dict[str, object]:
        return asdict(self)
