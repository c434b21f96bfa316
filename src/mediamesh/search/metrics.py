"""The search service's metrics: the outbox (backlog, oldest pending write, as last sampled in
the background; deliveries), the embedding backlog (sampled likewise), the size of the
process's vector index and graph, and what the DynamoDB query path reads (consumed capacity
per operation)."""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client.core import CounterMetricFamily, Metric

from mediamesh.observability.metrics import Metrics, gauge
from mediamesh.search.dynamodb.metrics import METRICS as DYNAMODB_SEARCH
from mediamesh.search.runtime import SearchRuntime

# The outbox's age, also the name a CloudWatch alarm of deploy/cloudformation/ watches.
OUTBOX_OLDEST_PENDING = "mediamesh_search_outbox_oldest_pending_seconds"


def register(metrics: Metrics, runtime: SearchRuntime) -> None:
    metrics.register_collector(_dynamodb_search)
    if (backlog := runtime.embedding_backlog) is not None:
        # the last background sample, as for the outbox (semantic/backlog.py)
        metrics.register_collector(
            lambda: [
                _gauge(
                    "mediamesh_search_embedding_backlog",
                    "Search documents waiting for a vector (until then, only their words "
                    "find them).",
                    backlog.latest,
                )
            ]
        )
    if (meaning := runtime.stores.meaning) is not None:
        index = meaning.index
        metrics.register_collector(
            lambda: [
                _gauge(
                    "mediamesh_search_vector_index_vectors",
                    "Vectors (whole texts and passages) in this process's vector index.",
                    index.rows,
                ),
                _gauge(
                    "mediamesh_search_vector_graph_vectors",
                    "Of those, the vectors in its HNSW graph (0: none; searches use the graph "
                    "once it holds nearly all).",
                    index.graph_rows,
                ),
            ]
        )
    relay, sampler = runtime.relay, runtime.outbox_stats
    if relay is None or sampler is None:
        return

    def outbox() -> Iterable[Metric]:
        # the last background sample: a scrape never queries PostgreSQL (outbox_stats.py)
        stats = sampler.latest
        return [
            _gauge(
                "mediamesh_search_outbox_backlog",
                "Pending writes to the DynamoDB search index (rows in search_outbox).",
                stats.backlog,
            ),
            _gauge(
                "mediamesh_search_outbox_retrying",
                "Pending writes that failed at least once.",
                stats.retrying,
            ),
            _gauge(
                OUTBOX_OLDEST_PENDING,
                "Age of the oldest pending DynamoDB write (0 when none).",
                stats.oldest_pending_seconds,
            ),
        ]

    metrics.register_collector(outbox)

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


def _gauge(name: str, documentation: str, value: float) -> Metric:
    family = gauge(name, documentation)
    family.add_metric([], value)
    return family


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
