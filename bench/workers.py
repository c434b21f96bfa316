"""(7) Workers: the hot list (near-cache hits) from `serve discovery --workers 2` against
`--workers 1`, on this machine's cores, with wrk on the same machine. Both servers run side
by side and are loaded alternately, ROUNDS times: on a shared machine the load drifts within
minutes, and a ratio of runs minutes apart would measure that. Goal: at least 1.6 times."""

from __future__ import annotations

import re
import statistics
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx

from bench import wrk
from bench.hot_path import PATH, warm
from bench.stack import BenchStack, Server, server_command, serving
from mediamesh.devstack.dynamodb_local import free_port

CONNECTIONS = 64
WRK_THREADS = 2  # one would be the bottleneck of two workers
ROUNDS = 3
WORKERS = (1, 2)


def measure(stack: BenchStack, out: Path, seconds: int) -> dict[str, Any]:
    runs: dict[int, list[dict[str, Any]]] = {n: [] for n in WORKERS}
    with ExitStack() as servers:
        started = {}
        for n in WORKERS:
            port = free_port()
            command = server_command("discovery", port, workers=n)
            started[n] = servers.enter_context(
                serving(command, port, stack.env(), out / f"workers-{n}.log")
            )
            _all_started(started[n], n)
            warm(started[n], "memory")
        for _ in range(ROUNDS):
            for n in WORKERS:
                result = wrk.run(started[n].base_url + PATH, CONNECTIONS, seconds, WRK_THREADS)
                runs[n].append(result.as_dict())
    rates = {n: statistics.median(r["requests_per_second"] for r in runs[n]) for n in WORKERS}
    return {
        "connections": CONNECTIONS,
        "wrk_threads": WRK_THREADS,
        "runs": {str(n): rows for n, rows in runs.items()},
        "median_rps": {str(n): rate for n, rate in rates.items()},
        "ratio": rates[2] / rates[1],
    }


def _all_started(server: Server, workers: int, seconds: float = 120) -> None:
    """Wait until every worker serves (one scrape names each worker that has started: the
    port answers as soon as the first one does)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        text = httpx.get(server.base_url + "/metrics", timeout=10).text
        if workers == 1 or len(set(re.findall(r'worker="(\d+)"', text))) >= workers:
            return
        time.sleep(0.5)
    raise RuntimeError(f"{workers} workers did not all start within {seconds} s")
