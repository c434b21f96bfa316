"""GET /v1/discovery/trending and /v1/discovery/popular: thin; the service does the work."""

from __future__ import annotations

import math
import time
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from pydantic import AfterValidator

from mediamesh.content import printable
from mediamesh.discovery import runtime
from mediamesh.discovery.list_schema import ListOut
from mediamesh.discovery.models import LIST_SIZE, ListContentType, ListKind, ListQuery
from mediamesh.discovery.rendering import RenderedList

router = APIRouter(prefix="/v1/discovery", tags=["discovery"])
# the parameters' rules, also applied by the fast path (discovery/fast_lists.py)
DEFAULT_LIMIT = 20
CATEGORY_MAX_LENGTH = 100
LANGUAGE_PATTERN = r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$"
LANGUAGE_MAX_LENGTH = 35


def _category(value: str | None) -> str | None:
    # "#" separates the parts of the list's DynamoDB partition key (PROGRAM#category=…)
    if value is not None and "#" in value:
        raise ValueError("must not contain '#'")
    return printable(value)


ContentTypeParam = Annotated[
    ListContentType, Query(alias="contentType", description="PROGRAM, EPISODE or all")
]
Limit = Annotated[int, Query(ge=1, le=LIST_SIZE, description="how many items, 1..100")]
Category = Annotated[
    str | None,
    Query(min_length=1, max_length=CATEGORY_MAX_LENGTH, description="e.g. Comedy"),
    AfterValidator(_category),
]
Language = Annotated[
    str | None,
    Query(pattern=LANGUAGE_PATTERN, max_length=LANGUAGE_MAX_LENGTH, description="e.g. fr"),
]
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
    content_type: ContentTypeParam = ListContentType.ALL,
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
    content_type: ContentTypeParam = ListContentType.ALL,
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
