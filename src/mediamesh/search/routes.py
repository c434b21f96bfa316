"""Search HTTP routes: indexing (API key), search and suggestions. The contract is in
docs/SEARCH.md; the routes only translate between HTTP and search/service.py."""

from __future__ import annotations

from dataclasses import fields
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from mediamesh.content import ContentId, ContentType, ShortText
from mediamesh.http.auth import require_api_key
from mediamesh.http.write_guard import postgres_write
from mediamesh.search import runtime, service
from mediamesh.search.cursor import MAX_CURSOR_CHARS
from mediamesh.search.documents import (
    MAX_BATCH_DOCUMENTS,
    SearchDocument,
    SearchDocumentFields,
    api_name,
)
from mediamesh.search.indexing import service as indexing
from mediamesh.search.models import (
    MAX_LIMIT,
    MAX_QUERY_LENGTH,
    SearchHit,
    SearchQuery,
    SearchResult,
)

router = APIRouter(prefix="/v1/search", tags=["search"])
WRITE = [Depends(require_api_key)]
MAX_SUGGESTIONS = 20

PathId = Annotated[ContentId, Path(description="the document's contentId")]
Q = Annotated[str, Query(max_length=MAX_QUERY_LENGTH, description="what the user typed")]
Filter = Annotated[ShortText | None, Query(description="exact value, as in the facets")]


class IndexBatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    documents: Annotated[list[SearchDocument], Field(min_length=1, max_length=MAX_BATCH_DOCUMENTS)]


@router.put("/index/{contentId}", dependencies=WRITE)
async def put_document(
    contentId: PathId, body: SearchDocumentFields, request: Request
) -> dict[str, Any]:
    """Index one document. `indexed: false` means a newer version is already stored."""
    document = SearchDocument(contentId=contentId, **body.model_dump())
    search, now = runtime.of(request), datetime.now(UTC)
    outcome = await postgres_write(
        request, lambda: indexing.index_documents(search.stores, [document], now)
    )
    search.notify()  # the outbox relay carries it to DynamoDB without a poll delay
    return {"contentId": contentId, "indexed": bool(outcome.indexed)}


@router.post("/index", dependencies=WRITE)
async def put_documents(body: IndexBatch, request: Request) -> dict[str, Any]:
    """Index up to 500 documents atomically: all are committed, or none."""
    search, now = runtime.of(request), datetime.now(UTC)
    outcome = await postgres_write(
        request, lambda: indexing.index_documents(search.stores, body.documents, now)
    )
    search.notify()
    return {"indexed": len(outcome.indexed), "stale": outcome.stale}


@router.delete("/index/{contentId}", status_code=204, dependencies=WRITE)
async def delete_document(contentId: PathId, request: Request) -> Response:
    """Remove a document from search (both stores); 404 if no live document has the id."""
    search = runtime.of(request)
    await postgres_write(request, lambda: indexing.remove_document(search.stores, contentId))
    search.notify()
    return Response(status_code=204)


@router.get("")
async def search(
    request: Request,
    q: Q = "",
    contentType: ContentType | None = None,
    category: Filter = None,
    language: Filter = None,
    tag: Filter = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 20,
    cursor: Annotated[str | None, Query(max_length=MAX_CURSOR_CHARS)] = None,
) -> dict[str, Any]:
    """Full-text search (see docs/SEARCH.md for the syntax); an empty `q` browses by filters."""
    query = SearchQuery(
        q=q,
        content_type=contentType.value if contentType else None,
        category=category,
        language=language,
        tag=tag,
        limit=limit,
        cursor=cursor or None,
    )
    result = await service.search(runtime.of(request).stores, query, datetime.now(UTC))
    return _result_body(result)


@router.get("/suggest")
async def suggest(
    request: Request,
    q: Q = "",
    limit: Annotated[int, Query(ge=1, le=MAX_SUGGESTIONS)] = 8,
) -> dict[str, Any]:
    """Titles for a search box, prefix and typo tolerant; an empty `q` suggests nothing."""
    found = await service.suggest(runtime.of(request).stores, q, limit)
    return {
        "query": q,
        "suggestions": [
            {"contentId": s.content_id, "title": s.title, "contentType": s.content_type}
            for s in found
        ],
    }


# a hit's fields in order (contentId ... tags, score, highlights) and their API names
_HIT_KEYS = tuple((f.name, api_name(f.name)) for f in fields(SearchHit))


def _result_body(result: SearchResult) -> dict[str, Any]:
    return {
        "query": result.query,
        "items": [{key: getattr(hit, name) for name, key in _HIT_KEYS} for hit in result.items],
        "total": result.total,
        "facets": result.facets,
        # a partial DynamoDB answer counts only what it read
        "countsExact": result.exact_counts and result.complete,
        "nextCursor": result.next_cursor,
        "source": result.source,
    }
