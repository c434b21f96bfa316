"""What the catalog routes use, handed to them by the wiring (app/): PostgreSQL, search's port
for catalog changes, and discovery's takedown (unpublished or deleted items leave every list)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

import asyncpg
from fastapi import Request

from mediamesh.http.app_state import app_attribute
from mediamesh.search.indexing.catalog_port import CatalogSearchPort

TakeDown = Callable[[Sequence[str]], Awaitable[None]]


@dataclass(frozen=True)
class CatalogDeps:
    pool: asyncpg.Pool
    search: CatalogSearchPort
    take_down: TakeDown


def of(request: Request) -> CatalogDeps:
    """The catalog's collaborators in the app serving `request` (set by the lifespan)."""
    return app_attribute(request, "catalog", CatalogDeps)
