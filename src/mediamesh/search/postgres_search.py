"""The PostgreSQL query path: full-text search and suggestions (docs/SEARCH.md).

`search` reads the whole match set's total and facets and one page of it in a single
read-only REPEATABLE READ snapshot, so the counts and the page agree. Its cursor token is
a keyset position (see search/cursor.py); search/service.py wraps it with the path's tag.
"""

from __future__ import annotations

from mediamesh.api.resources import Resources
from mediamesh.search import highlight, postgres_repository, query_text
from mediamesh.search.cursor import (
    PostgresPosition,
    decode_position,
    encode_position,
    fingerprint,
)
from mediamesh.search.models import SearchHit, SearchQuery, SearchResult, Suggestion
from mediamesh.search.postgres_repository import PageRow
from mediamesh.storage.postgres import translated_errors

SUGGEST_CANDIDATES = 200


async def search(resources: Resources, query: SearchQuery) -> SearchResult:
    """One page of results; `query.cursor` is this path's token (unwrapped) or None.

    Raises InvalidInput for a cursor of another query, PostgresUnavailable when PostgreSQL
    does not answer within SEARCH_POSTGRES_TIMEOUT_SECONDS.
    """
    settings = resources.settings
    timeout = settings.search_postgres_timeout_seconds
    parsed = query_text.parse(query.q)
    mark = fingerprint(query, parsed.text)
    after = decode_position(query.cursor, mark) if query.cursor else None
    with translated_errors(settings.database_url), postgres_repository.timed(timeout):
        async with (
            resources.pool.acquire(timeout=timeout) as conn,
            conn.transaction(isolation="repeatable_read", readonly=True),
        ):
            built = None
            if not parsed.is_empty:
                built = await postgres_repository.build_query(conn, parsed, timeout)
            fuzzy_below = settings.search_typo_fallback_below if parsed.typo_tolerant else 0
            counts = await postgres_repository.count_matches(
                conn, built, query, fuzzy_below, timeout
            )
            rows = await postgres_repository.fetch_page(
                conn,
                built,
                query,
                fuzzy_used=counts.fuzzy_used,
                candidate_limit=settings.search_candidate_limit,
                after=after,
                size=query.limit + 1,
                seconds=timeout,
            )
    page = rows[: query.limit]
    next_cursor = None
    if len(rows) > query.limit and page:
        last = page[-1]
        position = PostgresPosition(mark, last.score, last.title_norm, last.content_id)
        next_cursor = encode_position(position)
    return SearchResult(
        query=query.q,
        items=[_hit(row) for row in page],
        total=counts.total,
        facets=counts.facets,
        next_cursor=next_cursor,
        source="postgres",
    )


async def suggest(resources: Resources, q: str, limit: int) -> list[Suggestion]:
    """Titles for a search box: word prefixes ("godf"), typos ("godfathr"), exact first."""
    parsed = query_text.parse(q)
    if parsed.is_empty:
        return []
    timeout = resources.settings.search_postgres_timeout_seconds
    with translated_errors(resources.settings.database_url), postgres_repository.timed(timeout):
        async with resources.pool.acquire(timeout=timeout) as conn:
            return await postgres_repository.suggest(
                conn, parsed, limit, SUGGEST_CANDIDATES, timeout
            )


def _hit(row: PageRow) -> SearchHit:
    title, description = row.title_marked, row.description_marked
    return SearchHit(
        content_id=row.content_id,
        content_type=row.content_type,
        title=row.title,
        description=row.description,
        category=row.category,
        language=row.language,
        tags=list(row.tags),
        score=round(row.score, 6),
        highlights={
            "title": highlight.to_html(title) if title else highlight.plain(row.title),
            "description": highlight.to_html(description)
            if description is not None
            else highlight.snippet(row.description),
        },
    )
