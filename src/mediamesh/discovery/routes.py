"""GET /v1/discovery/trending and /v1/discovery/popular: thin; the service does the work."""

from __future__ import annotations

import time

from fastapi import APIRouter, Request, Response

from mediamesh.discovery import runtime
from mediamesh.discovery.list_caching import etag_matches, list_headers, max_age

# the parameters and their rules, shared with the fast path (discovery/fast_lists.py)
from mediamesh.discovery.list_params import (
    DEFAULT_CONTENT_TYPE,
    DEFAULT_LIMIT,
    Category,
    ContentTypeParam,
    Language,
    Limit,
)
from mediamesh.discovery.list_schema import ListOut
from mediamesh.discovery.models import ListKind, ListQuery
from mediamesh.http.app_state import settings_of

router = APIRouter(prefix="/v1/discovery", tags=["discovery"])
RESPONSES: dict[int | str, dict[str, object]] = {
    200: {
        "model": ListOut,
        "description": "the list; headers Cache-Control, ETag, X-Cache-Source, Surrogate-Key, "
        "Cache-Tag (docs/CACHING.md, 'HTTP caching'; X-Cache-Stale: true for a stale copy "
        "served while PostgreSQL fails)",
    },
    304: {"description": "If-None-Match matched the list's ETag"},
    404: {
        "description": "no published catalog item has the category or language (code "
        "not_found): lists exist only for the catalog's values (docs/CACHING.md, 'A bounded "
        "key space')",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    },
    503: {"description": "no tier holds the list and PostgreSQL is unavailable"},
}


@router.get("/trending", response_class=Response, responses=RESPONSES)
async def trending(
    request: Request,
    content_type: ContentTypeParam = DEFAULT_CONTENT_TYPE,
    limit: Limit = DEFAULT_LIMIT,
    category: Category = None,
    language: Language = None,
) -> Response:
    """Engagement velocity: recent events weighted by exponential time decay."""
    query = ListQuery(content_type, category, language)
    return await _serve(request, ListKind.TRENDING, query, limit)


@router.get("/popular", response_class=Response, responses=RESPONSES)
async def popular(
    request: Request,
    content_type: ContentTypeParam = DEFAULT_CONTENT_TYPE,
    limit: Limit = DEFAULT_LIMIT,
    category: Category = None,
    language: Language = None,
) -> Response:
    """Total engagement over the popular window."""
    query = ListQuery(content_type, category, language)
    return await _serve(request, ListKind.POPULAR, query, limit)


async def _serve(request: Request, kind: ListKind, query: ListQuery, limit: int) -> Response:
    service = runtime.of(request).service
    rendered = await service.get_list(kind, query, limit)
    window = settings_of(request).list_http_max_age_seconds
    headers = list_headers(rendered, kind, max_age(rendered, window, time.time()), window)
    if etag_matches(request.headers.get("if-none-match"), rendered.etag):
        return Response(status_code=304, headers=headers)
    return Response(rendered.body, media_type="application/json", headers=headers)
