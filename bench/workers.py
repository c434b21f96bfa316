"""(7) Workers: the hot list (near-cache hits) from `serve discovery --workers 2` against
`--workers 1`, on this machine's cores, with wrk on the same machine. Both servers run side
by side and are loaded alternately, ROUNDS times: on a shared machine the load drifts within
minutes, and a ratio of runs minutes apart would measure that. Goal: at least 1.6 times.

Each run also records the CPU time the server's processes and wrk used, so the report gives
what two workers could reach on these cores with this load generator: one worker does 1/s
requests a second on its core (s: its CPU per request); two share every core with wrk, so
they can do at most cores / (s + g) (g: wrk's CPU per request), a ratio of
cores * s / (s + g). (From Redis, Redis's own CPU is left out: the ceiling is higher than
what the machine allows.) The machine's busy time per request is not used: its kernel
network time overlaps the processes' system time, and the model then missed the measured
ratio by 30 %, where wrk's alone predicts it within a few hundredths."""

from __future__ import annotations

import os
import re
import resource
import statistics
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx

from bench import wrk
from bench.hot_path import PATH, TIERS, warm
from bench.stack import BenchStack, Server, child_pids, server_command, serving
from mediamesh.devstack.dynamodb_local import free_port

CONNECTIONS = 64
WRK_THREADS = 2  # one would be the bottleneck of two workers
ROUNDS = 3
WORKERS = (1, 2)


def measure(stack: BenchStack, out: Path, seconds: int, tier: str = "memory") -> dict[str, Any]:
    """The ratio with the list served by `tier`: from memory (the near cache, the goal), or
    from Redis (no near cache: more of each request's CPU is the server's)."""
    runs: dict[int, list[dict[str, Any]]] = {n: [] for n in WORKERS}
    with ExitStack() as servers:
        started = {}
        env = stack.env(**TIERS[tier])
        for n in WORKERS:
            port = free_port()
            command = server_command("discovery", port, workers=n)
            started[n] = servers.enter_context(
                serving(command, port, env, out / f"workers-{tier}-{n}.log")
            )
            _all_started(started[n], n)
            warm(started[n], tier)
        for _ in range(ROUNDS):
            for n in WORKERS:
                runs[n].append(_run(started[n], seconds))
    rates = {n: statistics.median(r["requests_per_second"] for r in runs[n]) for n in WORKERS}
    server_us, wrk_us = (
        statistics.median(r[key] for r in runs[1])
        for key in ("server_cpu_us_per_request", "wrk_cpu_us_per_request")
    )
    cores = len(os.sched_getaffinity(0))
    return {
        "tier": tier,
        "connections": CONNECTIONS,
        "wrk_threads": WRK_THREADS,
        "runs": {str(n): rows for n, rows in runs.items()},
        "median_rps": {str(n): rate for n, rate in rates.items()},
        "ratio": rates[2] / rates[1],
        "cores": cores,
        "server_cpu_us_per_request": server_us,
        "wrk_cpu_us_per_request": wrk_us,
        "ceiling": cores * server_us / (server_us + wrk_us),
    }


def _run(server: Server, seconds: int) -> dict[str, Any]:
    """One wrk run, with the CPU time the server's processes and wrk spent on it."""
    server_before = _tree_cpu_seconds(server.process.pid)
    wrk_before = _children_cpu_seconds()
    result = wrk.run(server.base_url + PATH, CONNECTIONS, seconds, WRK_THREADS).as_dict()
    wrk_cpu = _children_cpu_seconds() - wrk_before  # wrk is the only child reaped meanwhile
    server_cpu = _tree_cpu_seconds(server.process.pid) - server_before
    requests = max(1, int(result["requests"]))
    return {
        **result,
        "server_cpu_us_per_request": server_cpu / requests * 1e6,
        "wrk_cpu_us_per_request": wrk_cpu / requests * 1e6,
    }


def _children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _tree_cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process and its children (a server's workers), so far."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for process in {pid} | child_pids(pid):
        try:
            fields = Path(f"/proc/{process}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:  # it just exited
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return total


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
