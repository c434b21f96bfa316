"""/metrics for every worker of `mediamesh serve --workers N`, whichever worker answers.

A scrape reaches one worker (the port is shared), whose registry counts its own requests
only: N scrapes in a row would read N different counters under one name. So each worker
writes its figures, every sample labelled `worker="<pid>"`, to `<directory>/<pid>.prom` every
SNAPSHOT_SECONDS (a rename: a reader sees a whole file), and the worker answering a scrape
adds the latest file of every other live worker to its own figures of the moment. Sum
`without (worker)` for the server's totals. The others' figures are at most SNAPSHOT_SECONDS
old; a worker that exited leaves with its series (`rate()` handles a series that ends, and its
replacement's starts at zero under a new pid).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Iterable
from pathlib import Path

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import Metric
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.registry import Collector
from prometheus_client.samples import Sample

from mediamesh.resilience.periodic import raise_if_cancelled

SNAPSHOT_SECONDS = 1.0
LABEL = "worker"
SUFFIX = ".prom"


def labelled(families: Iterable[Metric], worker: str) -> list[Metric]:
    """`families` with every sample labelled `worker`, without the `_created` samples of
    counters and histograms (read back from text, they would come back as gauges of their
    own, the same names twice in one scrape)."""
    out = []
    for family in families:
        copy = Metric(family.name, family.documentation, family.type, family.unit)
        copy.samples = [
            Sample(s.name, {**s.labels, LABEL: worker}, s.value, s.timestamp, s.exemplar)
            for s in family.samples
            if not s.name.endswith("_created")
        ]
        out.append(copy)
    return out


def merged(groups: Iterable[Iterable[Metric]]) -> list[Metric]:
    """One family per name, holding the samples of every group's family of that name."""
    by_name: dict[str, Metric] = {}
    for families in groups:
        for family in families:
            known = by_name.get(family.name)
            if known is None:
                known = by_name[family.name] = Metric(
                    family.name, family.documentation, family.type, family.unit
                )
            known.samples.extend(family.samples)
    return list(by_name.values())


class _Families(Collector):
    def __init__(self, families: list[Metric]) -> None:
        self._families = families

    def collect(self) -> Iterable[Metric]:
        return self._families


def render(families: list[Metric]) -> bytes:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Families(families))
    return generate_latest(registry)


class WorkerMetrics:
    """One worker's share of a `directory` that every worker of the server writes to."""

    def __init__(self, registry: CollectorRegistry, directory: Path, pid: int | None = None):
        self._registry = registry
        self._directory = directory
        self.pid = pid if pid is not None else os.getpid()
        self._file = directory / f"{self.pid}{SUFFIX}"

    def _own(self) -> list[Metric]:
        return labelled(self._registry.collect(), str(self.pid))

    def write(self) -> None:
        """Leave this worker's figures of the moment for the others to serve."""
        partial = self._file.with_suffix(".tmp")
        partial.write_bytes(render(self._own()))
        partial.replace(self._file)

    def render(self) -> bytes:
        """This worker's figures now and every other live worker's latest."""
        groups = [self._own()]
        for path in sorted(self._directory.glob(f"*{SUFFIX}")):
            pid = int(path.stem) if path.stem.isdigit() else None
            if pid is None or pid == self.pid or not _alive(pid):
                continue
            with contextlib.suppress(FileNotFoundError):  # it exited meanwhile
                groups.append(list(text_string_to_metric_families(path.read_text())))
        return render(merged(groups))

    async def keep_written(self) -> None:
        """Write every SNAPSHOT_SECONDS until cancelled; then remove this worker's file."""
        try:
            while True:
                raise_if_cancelled()  # a cancellation a library swallowed still stops it
                self.write()
                await asyncio.sleep(SNAPSHOT_SECONDS)
        finally:
            with contextlib.suppress(FileNotFoundError):
                self._file.unlink()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    return True
