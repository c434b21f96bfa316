"""Liveness and readiness.

/health/live   the process and its event loop answer: always 200, no I/O; the state of each
               tier's circuit breaker, as the requests last found it
/health/ready  each store probed (within PROBE_TIMEOUT_SECONDS): "up", "degraded" (the probe
               answers but a breaker of the store is not closed: requests still skip it or
               are probing it) or "down", with the probe's latency and the breakers. 503 only when no service
               of this process can answer at all: discovery needs PostgreSQL or one cache
               tier; search needs PostgreSQL or DynamoDB (docs/OPERATIONS.md, "Runbooks").
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Request

from mediamesh.app.resources import Resources
from mediamesh.errors import MediaMeshError
from mediamesh.http.responses import JSON
from mediamesh.resilience.breaker import State

log = logging.getLogger(__name__)
router = APIRouter(tags=["health"])

PROBE_TIMEOUT_SECONDS = 1.0


@router.get("/health/live")
async def live(request: Request) -> dict[str, Any]:
    """The process is up and its event loop answers (a restart would not help an outage)."""
    resources: Resources = request.app.state.resources
    states = {b.name: b.state.value for b in resources.breakers.all()}
    return {"status": "ok", "breakers": states}


@router.get("/health/ready")
async def ready(request: Request) -> JSON:
    """200 while this process can answer reads for at least one of its services; 503 when
    none can."""
    resources: Resources = request.app.state.resources
    results = await _probe_all(resources, _probes(request, resources))
    up = {name for name, result in results.items() if result["status"] != "down"}
    services: dict[str, bool] = {}
    if request.app.state.discovery is not None:
        services["discovery"] = bool(up & {"postgres", "redis", "dynamodb"})
    if request.app.state.search is not None:
        services["search"] = bool(up & {"postgres", "dynamodb"})
    can_answer = any(services.values())
    body = {
        "status": "ready" if can_answer else "unavailable",
        "services": services,
        "dependencies": results,
    }
    return JSON(body, status_code=200 if can_answer else 503)


def _probes(request: Request, resources: Resources) -> dict[str, Callable[[], Awaitable[Any]]]:
    probes: dict[str, Callable[[], Awaitable[Any]]] = {
        "postgres": lambda: resources.pool.fetchval("SELECT 1"),
        "redis": resources.redis.ping,
    }
    dynamodb = resources.dynamodb
    if dynamodb is not None:
        # a table this service uses: under IAM it may describe no other
        tables = resources.tables
        hosts_lists = request.app.state.discovery is not None
        table = (tables.trending if hosts_lists else tables.search_index).name
        probes["dynamodb"] = lambda: dynamodb.describe_table(TableName=table)
    return probes


async def _probe_all(
    resources: Resources, probes: dict[str, Callable[[], Awaitable[Any]]]
) -> dict[str, dict[str, Any]]:
    found = await asyncio.gather(*(_probe(name, call) for name, call in probes.items()))
    results = {}
    for name, result in zip(probes, found, strict=True):
        breakers = resources.breakers.of_store(name)
        result["breakers"] = {b.name: b.snapshot() for b in breakers}
        if result["status"] == "up" and any(b.state is not State.CLOSED for b in breakers):
            result["status"] = "degraded"
        results[name] = result
    return results


async def _probe(name: str, call: Callable[[], Awaitable[Any]]) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        await asyncio.wait_for(call(), PROBE_TIMEOUT_SECONDS)
        status, error = "up", None
    except Exception as exc:  # any failure means "down"; the reason is reported, not raised
        # the answer is public: the kind of failure, never the driver's words (they name
        # hosts, users, databases); the log keeps them
        log.warning("readiness probe of %s failed: %s: %s", name, type(exc).__name__, exc)
        status = "down"
        error = exc.public_message if isinstance(exc, MediaMeshError) else type(exc).__name__
    result: dict[str, Any] = {
        "status": status,
        "latencyMs": round((time.perf_counter() - started) * 1000, 2),
    }
    if error:
        result["error"] = error
    return result
