"""GET /v1/discovery/trending and /v1/discovery/popular: thin; the service does the work."""

from __future__ import annotations

import math
import time

from fastapi import APIRouter, Request, Response

from mediamesh.discovery import runtime

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
from mediamesh.discovery.rendering import RenderedList

router = APIRouter(prefix="/v1/discovery", tags=["discovery"])
RESPONSES: dict[int | str, dict[str, object]] = {
    200: {
        "model": ListOut,
        "description": "the list; headers Cache-Control, ETag, X-Cache-Source "
        "(and X-Cache-Stale: true for a stale copy served while PostgreSQL fails)",
    },
    304: {"description": "If-None-Match matched the list's ETag"},
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
    headers = list_headers(rendered, seconds_left(rendered))
    if etag_matches(request.headers.get("if-none-match"), rendered.etag):
        return Response(status_code=304, headers=headers)
    return Response(rendered.body, media_type="application/json", headers=headers)


def list_headers(rendered: RenderedList, max_age: int) -> dict[str, str]:
    """The headers of a list answer, 200 or 304 (discovery/fast_lists.py sends the same)."""
    if rendered.stale:  # PostgreSQL failed: the last good copy (docs/OPERATIONS.md)
        return {
            "Cache-Control": "max-age=0, must-revalidate",
            "ETag": rendered.etag,
            "X-Cache-Source": rendered.source,
            "X-Cache-Stale": "true",
            "Warning": '110 - "Response is Stale"',
        }
    return {
        "Cache-Control": f"public, max-age={max_age}",
        "ETag": rendered.etag,
        "X-Cache-Source": rendered.source,
    }


def seconds_left(rendered: RenderedList) -> int:
    return max(0, math.floor(rendered.expires_at - time.time()))


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """Weak comparison (RFC 9110 13.1.2): `W/"x"` and `"x"` match; `*` matches anything."""
    if not if_none_match:
        return False
    wanted = etag.removeprefix("W/")
    candidates = (c.strip() for c in if_none_match.split(","))
    return any(c == "*" or c.removeprefix("W/") == wanted for c in candidates)
