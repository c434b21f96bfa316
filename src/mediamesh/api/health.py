"""Liveness and readiness: each dependency's state and latency."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Request

from mediamesh.api.resources import Resources
from mediamesh.api.responses import JSON

router = APIRouter(tags=["health"])

PROBE_TIMEOUT_SECONDS = 1.0


@router.get("/health/live")
async def live() -> dict[str, str]:
    """The process is up and its event loop answers."""
    return {"status": "ok"}


@router.get("/health/ready")
async def ready(request: Request) -> JSON:
    """200 while the service can answer reads from at least one store; 503 when none is up."""
    resources: Resources = request.app.state.resources
    probes: dict[str, Callable[[], Awaitable[Any]]] = {
        "postgres": lambda: resources.pool.fetchval("SELECT 1"),
        "redis": resources.redis.ping,
    }
    dynamodb = resources.dynamodb
    if dynamodb is not None:
        table = resources.tables.trending.name
        probes["dynamodb"] = lambda: dynamodb.describe_table(TableName=table)
    results = dict(
        zip(probes, await asyncio.gather(*(_probe(p) for p in probes.values())), strict=True)
    )
    any_up = any(r["status"] == "up" for r in results.values())
    body = {"status": "ready" if any_up else "unavailable", "dependencies": results}
    return JSON(body, status_code=200 if any_up else 503)


async def _probe(call: Callable[[], Awaitable[Any]]) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        await asyncio.wait_for(call(), PROBE_TIMEOUT_SECONDS)
        status, error = "up", None
    except Exception as exc:  # any failure means "down"; the reason is reported, not raised
        status, error = "down", f"{type(exc).__name__}: {exc}"[:200]
    result: dict[str, Any] = {
        "status": status,
        "latencyMs": round((time.perf_counter() - started) * 1000, 2),
    }
    if error:
        result["error"] = error
    return result
