"""Catalog write endpoints (the discovery service's)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response

from mediamesh.catalog import deps, service
from mediamesh.catalog.models import (
    CatalogBatch,
    CatalogItem,
    CatalogItemFields,
    Status,
)
from mediamesh.content import ContentId
from mediamesh.http.auth import require_api_key
from mediamesh.http.write_guard import postgres_write

router = APIRouter(prefix="/v1/catalog", tags=["catalog"], dependencies=[Depends(require_api_key)])

PathId = Annotated[ContentId, Path(description="the item's contentId")]


@router.put("/items/{contentId}", status_code=200)
async def put_item(
    contentId: PathId, body: CatalogItemFields, request: Request
) -> dict[str, object]:
    """Create or replace one item. Published items become searchable; others are hidden."""
    item = CatalogItem(contentId=contentId, **body.model_dump())
    catalog = deps.of(request)
    await postgres_write(
        request, lambda: service.upsert_items(catalog.pool, catalog.search, [item])
    )
    await _take_down(catalog, [item])
    return {"contentId": contentId, "status": item.status.value}


@router.post("/items", status_code=200)
async def put_items(body: CatalogBatch, request: Request) -> dict[str, int]:
    """Create or replace up to 500 items atomically: all are written, or none."""
    catalog = deps.of(request)
    written = await postgres_write(
        request, lambda: service.upsert_items(catalog.pool, catalog.search, body.items)
    )
    await _take_down(catalog, body.items)
    return {"written": written}


@router.delete("/items/{contentId}", status_code=204)
async def delete_item(contentId: PathId, request: Request) -> Response:
    """Delete an item (a program takes its episodes along); it leaves search and every list."""
    catalog = deps.of(request)
    await postgres_write(
        request, lambda: service.delete_item(catalog.pool, catalog.search, contentId)
    )
    await catalog.take_down([contentId])
    return Response(status_code=204)


async def _take_down(catalog: deps.CatalogDeps, items: list[CatalogItem]) -> None:
    """Unpublished items leave every cached discovery list at once (not at TTL)."""
    hidden = [i.contentId for i in items if i.status is not Status.PUBLISHED]
    if hidden:
        await catalog.take_down(hidden)
