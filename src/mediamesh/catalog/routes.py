"""Catalog write endpoints (the discovery service's)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response

from mediamesh.catalog import service
from mediamesh.catalog.models import (
    CatalogBatch,
    CatalogItem,
    CatalogItemFields,
    ContentId,
    Status,
)
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
    pool = request.app.state.resources.pool
    await postgres_write(request, lambda: service.upsert_items(pool, [item]))
    await _take_down(request, [item])
    return {"contentId": contentId, "status": item.status.value}


@router.post("/items", status_code=200)
async def put_items(body: CatalogBatch, request: Request) -> dict[str, int]:
    """Create or replace up to 500 items atomically: all are written, or none."""
    pool = request.app.state.resources.pool
    written = await postgres_write(request, lambda: service.upsert_items(pool, body.items))
    await _take_down(request, body.items)
    return {"written": written}


@router.delete("/items/{contentId}", status_code=204)
async def delete_item(contentId: PathId, request: Request) -> Response:
    """Delete an item (a program takes its episodes along); it leaves search and every list."""
    pool = request.app.state.resources.pool
    await postgres_write(request, lambda: service.delete_item(pool, contentId))
    await request.app.state.discovery.take_down([contentId])
    return Response(status_code=204)


async def _take_down(request: Request, items: list[CatalogItem]) -> None:
    """Unpublished items leave every cached discovery list at once (not at TTL)."""
    hidden = [i.contentId for i in items if i.status is not Status.PUBLISHED]
    if hidden:
        await request.app.state.discovery.take_down(hidden)
