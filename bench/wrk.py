"""wrk as the external load generator: run it, and parse its `--latency` report. The parser
is pure (tests/bench/test_bench_smoke.py keeps it honest)."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import asdict, dataclass

_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}
_PERCENTILE = re.compile(r"^\s*(50|75|90|99)%\s+([\d.]+)(us|ms|s|m)\s*$", re.MULTILINE)
_RATE = re.compile(r"^Requests/sec:\s+([\d.]+)", re.MULTILINE)
_TOTAL = re.compile(r"^\s*(\d+) requests in", re.MULTILINE)
_ERRORS = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")
_SOCKET = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")


@dataclass(frozen=True)
class WrkResult:
    requests_per_second: float
    p50_ms: float
    p75_ms: float
    p90_ms: float
    p99_ms: float
    requests: int
    errors: int  # non-2xx/3xx responses plus socket errors

    def as_dict(self) -> dict[str, float | int]:
        return asdict(self)


def parse(output: str) -> WrkResult:
    """The figures of one `wrk --latency` run; ValueError when the report is incomplete."""
    percentiles = {int(p): float(v) * _UNITS[u] for p, v, u in _PERCENTILE.findall(output)}
    rate, total = _RATE.search(output), _TOTAL.search(output)
    if rate is None or total is None or set(percentiles) != {50, 75, 90, 99}:
        raise ValueError(f"not a complete wrk --latency report:\n{output}")
    errors = sum(int(n) for n in _ERRORS.findall(output))
    socket = _SOCKET.search(output)
    if socket:
        errors += sum(int(n) for n in socket.groups())
    return WrkResult(
        float(rate.group(1)),
        percentiles[50],
        percentiles[75],
        percentiles[90],
        percentiles[99],
        int(total.group(1)),
        errors,
    )


def run(url: str, connections: int, seconds: int, threads: int = 1) -> WrkResult:
    """One bounded wrk run against a loopback URL."""
    if not url.startswith(("http://127.0.0.1", "http://localhost")):
        raise ValueError("load is only ever sent to this machine")
    binary = shutil.which("wrk")
    if binary is None:
        raise RuntimeError("wrk is missing: apt-get install -y wrk (as root)")
    command = [
        binary,
        f"-t{min(threads, connections)}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "5s",
        "--latency",
        url,
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 30)
    return parse(done.stdout)
