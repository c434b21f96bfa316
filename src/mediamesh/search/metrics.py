"""The search service's metrics: the outbox (backlog, oldest pending write, deliveries) and
what the DynamoDB query path reads (consumed capacity per operation)."""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client import Gauge
from prometheus_client.core import CounterMetricFamily, Metric

from mediamesh.observability.metrics import Metrics
from mediamesh.search.dynamodb.metrics import METRICS as DYNAMODB_SEARCH
from mediamesh.search.runtime import SearchRuntime


def register(metrics: Metrics, runtime: SearchRuntime) -> None:
    metrics.register_collector(_dynamodb_search)
    relay = runtime.relay
    if relay is None:
        return
    backlog = Gauge(
        "mediamesh_search_outbox_backlog",
        "Pending writes to the DynamoDB search index (rows in search_outbox).",
        registry=metrics.registry,
    )
    retrying = Gauge(
        "mediamesh_search_outbox_retrying",
        "Pending writes that failed at least once.",
        registry=metrics.registry,
    )
    oldest = Gauge(
        "mediamesh_search_outbox_oldest_pending_seconds",
        "Age of the oldest pending DynamoDB write (0 when none).",
        registry=metrics.registry,
    )

    async def refresh() -> None:
        stats = await relay.stats()
        backlog.set(stats.backlog)
        retrying.set(stats.retrying)
        oldest.set(stats.oldest_pending_seconds)

    metrics.add_refresher(refresh)

    def deliveries() -> Iterable[Metric]:
        family = CounterMetricFamily(
            "mediamesh_search_outbox_deliveries",
            "Outbox rows delivered to DynamoDB, or failed (and kept for a retry).",
            labels=["outcome"],
        )
        family.add_metric(["written"], relay.counters.written)
        family.add_metric(["failed"], relay.counters.failed)
        return [family]

    metrics.register_collector(deliveries)


def _dynamodb_search() -> Iterable[Metric]:
    queries = CounterMetricFamily(
        "mediamesh_search_dynamodb_queries",
        "Searches answered or attempted on the DynamoDB path, by operation.",
        labels=["operation"],
    )
    for operation, count in DYNAMODB_SEARCH.by_operation.items():
        queries.add_metric([operation], count)
    capacity = CounterMetricFamily(
        "mediamesh_dynamodb_consumed_capacity_units",
        "DynamoDB read capacity consumed by searches (ReturnConsumedCapacity=TOTAL).",
        labels=["operation"],
    )
    capacity.add_metric(["search"], DYNAMODB_SEARCH.capacity_units)
    exhausted = CounterMetricFamily(
        "mediamesh_search_dynamodb_budget_exhausted",
        "DynamoDB searches whose read budget ran out before every candidate was read.",
    )
    exhausted.add_metric([], DYNAMODB_SEARCH.budget_exhausted)
    return [queries, capacity, exhausted]
