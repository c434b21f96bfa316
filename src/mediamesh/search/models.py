"""The search domain: a query and its result, the same for both paths. Pure data, no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from mediamesh.search.documents import DocumentRecord

MAX_QUERY_LENGTH = 256
MAX_LIMIT = 100


@dataclass(frozen=True)
class SearchQuery:
    q: str
    content_type: str | None = None
    category: str | None = None
    language: str | None = None
    tag: str | None = None
    limit: int = 20
    cursor: str | None = None  # opaque; each path encodes its own position in it


@dataclass(frozen=True)
class SearchHit(DocumentRecord):
    """A document as a search answers it; each field is in the API's item (routes.py), by
    its `api_name`."""

    score: float
    highlights: dict[str, str] = field(default_factory=dict)
    # how it was found: "text" (its words), "meaning" (near the query's embedding), or both
    matched_by: tuple[str, ...] = ("text",)

    @classmethod
    def of(
        cls,
        document: DocumentRecord,
        score: float,
        highlights: dict[str, str],
        matched_by: tuple[str, ...] = ("text",),
    ) -> SearchHit:
        return cls(
            **document.document_fields(),
            score=score,
            highlights=highlights,
            matched_by=matched_by,
        )


@dataclass(frozen=True)
class SearchResult:
    query: str
    items: list[SearchHit]
    total: int
    facets: dict[str, dict[str, int]]
    next_cursor: str | None
    source: Literal["dynamodb", "postgres"]
    # False when the path could not look at every candidate (DynamoDB's read budget ran out):
    # its matches are then only those it happened to read, so PostgreSQL is preferred
    complete: bool = True
    # False when the DynamoDB index was behind PostgreSQL (a write older than
    # SEARCH_DYNAMODB_MAX_LAG_SECONDS not yet delivered): its matches may miss documents,
    # so PostgreSQL answers unless it is down
    current: bool = True
    # False when `total` and `facets` are estimates (the PostgreSQL path, beyond its exact
    # count limit: see postgres_search.py)
    exact_counts: bool = True


@dataclass(frozen=True)
class Suggestion:
    content_id: str
    title: str
    content_type: str
