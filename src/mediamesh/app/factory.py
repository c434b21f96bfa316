"""The FastAPI application factory: one app per service, or every route on one port."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gc
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Literal

from fastapi import Depends, FastAPI
from starlette.types import Receive, Scope, Send

from mediamesh.app import health, maintenance, statistics
from mediamesh.app.resources import open_resources
from mediamesh.app.state import AppState
from mediamesh.catalog import routes as catalog_routes
from mediamesh.catalog.deps import CatalogDeps
from mediamesh.discovery import metrics as discovery_metrics
from mediamesh.discovery import routes as discovery_routes
from mediamesh.discovery import runtime as discovery_runtime
from mediamesh.discovery.events import routes as event_routes
from mediamesh.discovery.fast_lists import FastLists
from mediamesh.http import errors, openapi_errors, security
from mediamesh.http.auth import require_metrics_key, require_read_key
from mediamesh.http.responses import JSON
from mediamesh.observability import breaker_metrics
from mediamesh.observability import routes as observability_routes
from mediamesh.observability.metrics import Metrics
from mediamesh.observability.middleware import RequestContext
from mediamesh.observability.worker_metrics import WorkerMetrics
from mediamesh.search import metrics as search_metrics
from mediamesh.search import routes as search_routes
from mediamesh.search import runtime as search_runtime
from mediamesh.search.indexing.catalog_port import SearchIndex
from mediamesh.settings import Settings
from mediamesh.storage.dynamodb import capacity
from mediamesh.storage.dynamodb.tables import tables_from_settings
from mediamesh.web import routes as web_routes

Service = Literal["discovery", "search", "all"]
DEFAULT_PORTS: dict[Service, int] = {"all": 8080, "discovery": 8081, "search": 8082}
# public unless MEDIAMESH_READ_API_KEYS is set (write routes add require_api_key themselves)
READS = [Depends(require_read_key)]


class MediaMeshAPI(FastAPI):
    """FastAPI with the lists' fast path in front of everything, framework and middleware:
    near-cache hits of the lists are answered without them (see discovery/fast_lists.py)."""

    fast_lists: FastLists | None = None
    state: AppState

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        fast = self.fast_lists
        if fast is None or scope["type"] != "http" or not await fast.answer(scope, send):
            await super().__call__(scope, receive, send)


def create_app(
    settings: Settings,
    service: Service = "all",
    *,
    freeze_gc: bool = False,
    workers_metrics: Path | None = None,
) -> FastAPI:
    """`freeze_gc`: for a process that serves this one app until it exits (`mediamesh
    serve`): what start-up made (modules, botocore's models, clients) is moved out of the
    garbage collector's reach, since a full collection over it stalled every request for
    100-190 ms on a loaded machine; never in tests, which build many apps in one process.
    `workers_metrics`: the directory the workers of one server share their metrics through
    (observability/worker_metrics.py), in a worker of `serve --workers N`."""
    tables = tables_from_settings(settings)
    required = {
        "discovery": tables.discovery(),
        "search": (tables.search_index,),
        "all": tables.all(),
    }[service]

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            if workers_metrics is not None:
                metrics.workers = WorkerMetrics(metrics.registry, workers_metrics)
                shared = asyncio.create_task(metrics.workers.keep_written())
                stack.push_async_callback(_cancelled, shared)
            resources = await stack.enter_async_context(open_resources(settings, required))
            state.resources, state.breakers = resources, resources.breakers
            await stack.enter_async_context(maintenance.scheduled(settings))
            await stack.enter_async_context(statistics.kept_fresh(settings, resources.pool))
            metrics.register_collector(lambda: observability_routes.pool_collector(resources.pool))
            metrics.register_collector(
                functools.partial(observability_routes.capacity_collector, capacity.meter())
            )
            for name, what, pool in (
                ("mediamesh_postgres_search_pool", "Search query pool", resources.query_pool),
                (
                    "mediamesh_postgres_search_filtered_pool",
                    "Filtered search query pool",
                    resources.filtered_query_pool,
                ),
            ):
                if pool is not None:
                    metrics.register_collector(
                        functools.partial(observability_routes.pool_collector, pool, name, what)
                    )
            breaker_metrics.register(metrics, resources.breakers)
            if service in ("discovery", "all"):
                discovery = await stack.enter_async_context(
                    discovery_runtime.running(resources.discovery_stores())
                )
                state.discovery = discovery
                state.catalog = CatalogDeps(
                    resources.pool,
                    SearchIndex(outbox=settings.dynamodb_enabled),
                    discovery.takedowns.taken_down,
                )
                discovery_metrics.register_chain(metrics, discovery.service.metrics)
                discovery_metrics.register_inbox(metrics, discovery.inbox)
            if service in ("search", "all"):
                search = await stack.enter_async_context(
                    search_runtime.running(resources.search_stores())
                )
                state.search = search
                search_metrics.register(metrics, search)
            if freeze_gc:
                gc.collect()  # freeze what is alive, not start-up's garbage
                gc.freeze()
            yield

    app = MediaMeshAPI(
        title=f"MediaMesh {service}",
        version="0.1.0",
        lifespan=lifespan,
        default_response_class=JSON,
    )
    metrics = Metrics()
    state = app.state = AppState(settings, metrics)
    app.add_middleware(RequestContext, metrics=metrics)
    security.install(app, settings)  # body size limit, CORS
    errors.install(app)
    openapi_errors.install(app)
    app.include_router(health.router)
    app.include_router(observability_routes.router, dependencies=[Depends(require_metrics_key)])
    app.include_router(web_routes.router)  # the explorer page at /, for every service
    if service in ("discovery", "all"):
        app.include_router(discovery_routes.router, dependencies=READS)
        app.include_router(event_routes.router)
        app.include_router(catalog_routes.router)
        app.fast_lists = FastLists(app.state, metrics, settings)
    if service in ("search", "all"):
        app.include_router(search_routes.router, dependencies=READS)
    return app


async def _cancelled(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
