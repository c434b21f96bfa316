"""(7) Workers: the hot list (near-cache hits) from `serve discovery --workers 2` against
`--workers 1`, on this machine's cores, with wrk on the same machine. Both servers run side
by side and are loaded alternately, ROUNDS times: on a shared machine the load drifts within
minutes, and a ratio of runs minutes apart would measure that. Goal: at least 1.6 times."""

from __future__ import annotations

import statistics
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from bench import wrk
from bench.hot_path import PATH, warm
from bench.stack import BenchStack, server_command, serving
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
