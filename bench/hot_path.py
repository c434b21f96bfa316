"""(1) The list hot path over HTTP: GET /v1/discovery/trending under wrk at several
concurrencies, per serving tier, against the floor (bench/floor_app.py: the same framework
returning the same bytes from a constant, run side by side with the near-cache tier); and the
guide's tier order against Redis-first."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import orjson

from bench import wrk
from bench.stack import BenchStack, Server, floor_command, server_command, serving
from mediamesh.devstack.dynamodb_local import free_port

PATH = "/v1/discovery/trending"
# how each tier is made the one that answers: no near cache, and only that tier in the chain
TIERS: dict[str, dict[str, object]] = {
    "memory": {},
    "dynamodb": {"memory_cache_ttl_seconds": 0, "cache_tier_order": "dynamodb"},
    "redis": {"memory_cache_ttl_seconds": 0, "cache_tier_order": "redis"},
}
ORDERS = {"dynamodb,redis": "guide's order", "redis,dynamodb": "Redis first"}


def warm(server: Server, source: str) -> httpx.Response:
    """Request the list until the wanted tier answers it (the first computes it)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        response = httpx.get(server.base_url + PATH, timeout=10)
        response.raise_for_status()
        if response.headers["x-cache-source"] == source:
            return response
        time.sleep(0.2)
    raise RuntimeError(f"{PATH} was never served from {source}")


def _load(server: Server, concurrencies: list[int], seconds: int) -> list[dict[str, Any]]:
    rows = []
    for connections in concurrencies:
        result = wrk.run(server.base_url + PATH, connections, seconds)
        rows.append({"connections": connections, **result.as_dict()})
    return rows


def measure(stack: BenchStack, out: Path, concurrencies: list[int], seconds: int) -> dict[str, Any]:
    results: dict[str, Any] = {"tiers": {}, "orders": {}, "peak_rss_mb": {}}
    for tier, overrides in TIERS.items():
        port = free_port()
        env = stack.env(**overrides)
        with serving(server_command("discovery", port), port, env, out / f"hot-{tier}.log") as s:
            response = warm(s, tier)
            if tier == "memory":  # the target's pair: each run next to the floor's
                with _floor(response, out) as floor:
                    paired = _load_paired(s, floor, concurrencies, seconds)
                results["tiers"]["memory"], results["tiers"]["floor"] = paired
            else:
                results["tiers"][tier] = _load(s, concurrencies, seconds)
            results["peak_rss_mb"][f"discovery ({tier})"] = s.peak_rss_mb()
    middle = concurrencies[len(concurrencies) // 2]
    for order, label in ORDERS.items():
        port = free_port()
        env = stack.env(memory_cache_ttl_seconds=0, cache_tier_order=order)
        with serving(server_command("discovery", port), port, env, out / "hot-order.log") as s:
            warm(s, order.split(",")[0])
            row = _load(s, [middle], seconds)[0]
            results["orders"][label] = {"order": order, **row}
    return results


def _load_paired(
    server: Server, floor: Server, concurrencies: list[int], seconds: int
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Both servers run side by side, alternately at each concurrency: on a shared machine
    the load drifts within minutes, and a ratio of runs minutes apart would measure that."""
    ours, theirs = [], []
    for connections in concurrencies:
        ours += _load(server, [connections], seconds)
        theirs += _load(floor, [connections], seconds)
    return ours, theirs


@contextmanager
def _floor(captured: httpx.Response, out: Path) -> Iterator[Server]:
    """The floor, serving the bytes and headers captured from our server."""
    names = ("cache-control", "etag", "x-cache-source")
    response_file = out / "floor-response.json"
    response_file.write_bytes(
        orjson.dumps(
            {
                "body": captured.text,
                "headers": {name: captured.headers[name] for name in names},
            }
        )
    )
    port = free_port()
    env = {"BENCH_FLOOR_RESPONSE": str(response_file)}
    with serving(floor_command(port), port, env, out / "floor.log") as server:
        body = httpx.get(server.base_url + PATH, timeout=5).content
        if body != captured.content:
            raise RuntimeError("the floor does not serve the same bytes")
        yield server
