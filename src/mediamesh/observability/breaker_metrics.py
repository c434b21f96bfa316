"""Every tier's circuit breaker in /metrics, read at scrape time (resilience/breakers.py)."""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from mediamesh.observability.metrics import Metrics
from mediamesh.resilience.breakers import Breakers

BREAKER_STATES = ("closed", "open", "half_open")


def register(metrics: Metrics, breakers: Breakers) -> None:
    def collect() -> Iterable[Metric]:
        state = GaugeMetricFamily(
            "mediamesh_breaker_state",
            "1 for the state each tier's circuit breaker is in.",
            labels=["breaker", "state"],
        )
        opens = CounterMetricFamily(
            "mediamesh_breaker_opens", "Times each breaker opened.", labels=["breaker"]
        )
        for name, snap in breakers.snapshot().items():
            for value in BREAKER_STATES:
                state.add_metric([name, value], 1.0 if snap["state"] == value else 0.0)
            opens.add_metric([name], float(str(snap["opens"])))
        return [state, opens]

    metrics.register_collector(collect)
