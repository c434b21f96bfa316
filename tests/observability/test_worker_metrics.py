"""Every worker's figures in one scrape (observability/worker_metrics.py), on real files."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.parser import text_string_to_metric_families

from mediamesh.observability.worker_metrics import WorkerMetrics


def _registry(requests: int) -> CollectorRegistry:
    registry = CollectorRegistry()
    counter = Counter("demo_requests_total", "Requests.", ["route"], registry=registry)
    counter.labels("/a").inc(requests)
    Histogram("demo_seconds", "Latency.", registry=registry, buckets=(0.1, 1)).observe(0.5)
    return registry


def _samples(text: bytes, name: str) -> dict[str, float]:
    return {
        sample.labels["worker"]: sample.value
        for family in text_string_to_metric_families(text.decode())
        for sample in family.samples
        if sample.name == name
    }


def test_a_scrape_adds_the_other_live_workers_latest_figures(tmp_path: Path) -> None:
    # another live process (pid) and one that is gone: only the live one's file is read
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        WorkerMetrics(_registry(5), tmp_path, pid=other.pid).write()
        gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                              capture_output=True, text=True, check=True)  # fmt: skip
        WorkerMetrics(_registry(100), tmp_path, pid=int(gone.stdout)).write()
        mine = WorkerMetrics(_registry(3), tmp_path)
        text = mine.render()
    finally:
        other.kill()
        other.wait()
    assert _samples(text, "demo_requests_total") == {str(os.getpid()): 3, str(other.pid): 5}
    # one family per name, with both workers' histogram series
    families = [
        f for f in text_string_to_metric_families(text.decode()) if f.name == "demo_seconds"
    ]
    assert len(families) == 1
    assert _samples(text, "demo_seconds_count") == {str(os.getpid()): 1, str(other.pid): 1}
    assert text.count(b"# TYPE demo_seconds histogram") == 1
    assert b"_created" not in text  # it would be read back as a gauge of its own


def test_a_lone_worker_answers_for_itself(tmp_path: Path) -> None:
    text = WorkerMetrics(_registry(2), tmp_path).render()
    assert _samples(text, "demo_requests_total") == {str(os.getpid()): 2}
