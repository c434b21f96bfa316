"""The FastAPI application factory: one app per service, or every route on one port."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Literal

from fastapi import FastAPI
from fastapi.responses import ORJSONResponse

from mediamesh.api import errors, health
from mediamesh.api.resources import open_resources
from mediamesh.catalog import routes as catalog_routes
from mediamesh.settings import Settings
from mediamesh.storage.dynamodb.tables import tables_from_settings

Service = Literal["discovery", "search", "all"]
DEFAULT_PORTS: dict[Service, int] = {"all": 8080, "discovery": 8081, "search": 8082}


def create_app(settings: Settings, service: Service = "all") -> FastAPI:
    tables = tables_from_settings(settings)
    required = {
        "discovery": tables.discovery(),
        "search": (tables.search_index,),
        "all": tables.all(),
    }[service]

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with open_resources(settings, required) as resources:
            app.state.resources = resources
            yield

    app = FastAPI(
        title=f"MediaMesh {service}",
        version="0.1.0",
        lifespan=lifespan,
        default_response_class=ORJSONResponse,
    )
    errors.install(app)
    app.include_router(health.router)
    if service in ("discovery", "all"):
        app.include_router(catalog_routes.router)
    return app
