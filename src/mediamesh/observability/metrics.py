"""Prometheus metrics: defined once here, one registry per app (so tests can build many apps).

Counters that live in other components (cache tiers, the outbox relay, breakers) are read at
scrape time by collectors registered with `register_collector`, so those components need not
import prometheus_client. A scrape does no I/O: a figure that needs a query (the outbox's
backlog) is sampled in the background by its owner, and its collector reads the sample.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from mediamesh.observability.worker_metrics import WorkerMetrics

LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5)


class _FunctionCollector(Collector):
    def __init__(self, collect: Callable[[], Iterable[Metric]]) -> None:
        self._collect = collect

    def collect(self) -> Iterable[Metric]:
        return self._collect()


@dataclass
class Metrics:
    registry: CollectorRegistry = field(default_factory=CollectorRegistry)
    # set in a worker of `serve --workers N`: a scrape then answers for every worker
    workers: WorkerMetrics | None = None

    def __post_init__(self) -> None:
        self.requests = Counter(
            "mediamesh_http_requests_total",
            "HTTP requests by route template, method and status.",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "mediamesh_http_request_duration_seconds",
            "HTTP request latency by route template and method.",
            ["route", "method"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )

    def register_collector(self, collect: Callable[[], Iterable[Metric]]) -> None:
        """Add metrics computed at scrape time (gauges and counters owned elsewhere)."""
        self.registry.register(_FunctionCollector(collect))

    def render(self) -> bytes:
        if self.workers is not None:
            return self.workers.render()
        return generate_latest(self.registry)


def gauge(name: str, documentation: str, labels: list[str] | None = None) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, labels=labels or [])
