"""The discovery service's metrics, read at scrape time from the cache chain's counters and
the event inbox's last background sample (a scrape never queries PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client.core import CounterMetricFamily, Metric

from mediamesh.cache.metrics import ChainMetrics
from mediamesh.discovery.events.aggregator import InboxSampler
from mediamesh.observability.metrics import Metrics, gauge

# counter field → the `outcome` label (hit/miss first: the explorer's ratios read those)
OUTCOMES = {
    "hits": "hit",
    "misses": "miss",
    "errors": "error",
    "timeouts": "timeout",
    "short_circuits": "short_circuit",
    "write_backs": "write_back",
    "write_back_errors": "write_back_error",
}
CHAIN_EVENTS = {
    "source_loads": "PostgreSQL computations (misses and refreshes).",
    "single_flight_joins": "Requests that waited for a computation already running here.",
    "lock_waits": "Computations left to another process holding the compute lock.",
    "lock_errors": "Computations done without the lock because Redis failed.",
    "refreshes": "Refresh-ahead computations.",
    "stale_served": "Answers served from a stale copy while PostgreSQL failed.",
    "write_backs_joined": "Hits not written back again: their generation already was.",
    "not_registered": "Computed lists cached nowhere: CACHE_MAX_FILTERED_LISTS was reached.",
}


def register_chain(metrics: Metrics, chain: ChainMetrics) -> None:
    def collect() -> Iterable[Metric]:
        tiers = CounterMetricFamily(
            "mediamesh_cache_tier_events",
            "Discovery list cache reads and write-backs per tier, by outcome.",
            labels=["tier", "outcome"],
        )
        for tier, counters in chain.tiers.items():
            for name, outcome in OUTCOMES.items():
                tiers.add_metric([tier, outcome], getattr(counters, name))
        lists = CounterMetricFamily(
            "mediamesh_list_cache_events",
            "The same, per list (trending, popular).",
            labels=["tier", "list", "outcome"],
        )
        for (tier, group), counters in chain.groups.items():
            for name, outcome in OUTCOMES.items():
                lists.add_metric([tier, group, outcome], getattr(counters, name))
        families: list[Metric] = [tiers, lists]
        for name, documentation in CHAIN_EVENTS.items():
            family = CounterMetricFamily(f"mediamesh_cache_{name}", documentation)
            family.add_metric([], getattr(chain, name))
            families.append(family)
        return families

    metrics.register_collector(collect)


def register_inbox(metrics: Metrics, inbox: InboxSampler) -> None:
    def collect() -> Iterable[Metric]:
        stats = inbox.latest
        unfolded = gauge(
            "mediamesh_events_unfolded",
            "Acknowledged events not folded into the rollups yet (rows in engagement_inbox).",
        )
        unfolded.add_metric([], stats.rows)
        oldest = gauge(
            "mediamesh_events_unfolded_oldest_seconds",
            "How long the oldest unfolded event has waited (0 when none).",
        )
        oldest.add_metric([], stats.oldest_seconds)
        return [unfolded, oldest]

    metrics.register_collector(collect)
