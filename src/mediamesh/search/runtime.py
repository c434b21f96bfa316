"""What the search service runs beside its routes while the app is up (background workers),
entered once in the application lifespan after the shared clients are open. What it yields
is stored as `app.state.search` for the routes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from mediamesh.api.resources import Resources


@asynccontextmanager
async def running(resources: Resources) -> AsyncIterator[object]:
    yield None
