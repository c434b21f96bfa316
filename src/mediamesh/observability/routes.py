"""GET /metrics in the Prometheus text format."""

from __future__ import annotations

from collections.abc import Iterable

import asyncpg
from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST
from prometheus_client.core import CounterMetricFamily, Metric

from mediamesh.observability.metrics import Metrics, gauge
from mediamesh.storage.dynamodb.capacity import CapacityMeter, kind_of

router = APIRouter(tags=["operations"])


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request) -> Response:
    registry: Metrics = request.app.state.metrics
    return Response(registry.render(), media_type=CONTENT_TYPE_LATEST)


def pool_collector(
    pool: asyncpg.Pool, name: str = "mediamesh_postgres_pool", what: str = "Pool"
) -> Iterable[Metric]:
    """PostgreSQL pool usage: open and in-use connections, and the configured maximum."""
    size = gauge(f"{name}_connections", f"Open {what.lower()} connections.")
    size.add_metric([], pool.get_size())
    busy = gauge(f"{name}_in_use", f"{what} connections in use.")
    busy.add_metric([], pool.get_size() - pool.get_idle_size())
    cap = gauge(f"{name}_max", f"{what} size limit.")
    cap.add_metric([], pool.get_max_size())
    return [size, busy, cap]


def capacity_collector(meter: CapacityMeter) -> Iterable[Metric]:
    """The DynamoDB capacity this process consumed, as on-demand bills it."""
    family = CounterMetricFamily(
        "mediamesh_dynamodb_capacity_units",
        "DynamoDB capacity units consumed (from ConsumedCapacity), by table, operation and "
        "kind (read or write request units).",
        labels=["table", "operation", "kind"],
    )
    for (table, operation), units in sorted(meter.snapshot().items()):
        family.add_metric([table, operation, kind_of(operation)], units)
    return [family]
