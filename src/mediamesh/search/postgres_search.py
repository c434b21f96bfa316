"""The PostgreSQL query path: full-text search and suggestions (docs/SEARCH.md).

`search` reads the match set's total and facets and one page of it in a single read-only
REPEATABLE READ snapshot, so the counts and the page agree. Its cursor token is a keyset
position (see search/cursor.py); search/service.py wraps it with the path's tag.

Counts are exact up to EXACT_COUNT_LIMIT matches. Counting a larger match set exactly
reads every matching row (tens of milliseconds for "film" on 100,000 documents, growing
with the catalog), so beyond it the total and facets are estimated from a random sample of
at most SAMPLE_ROWS rows, never below what the capped count saw, and `exact_counts` is False.
"""

from __future__ import annotations

import math

from mediamesh.api.resources import Resources
from mediamesh.search import highlight, postgres_repository, query_text
from mediamesh.search.cursor import (
    PostgresPosition,
    decode_position,
    encode_position,
    fingerprint,
)
from mediamesh.search.models import SearchHit, SearchQuery, SearchResult, Suggestion
from mediamesh.search.postgres_repository import Counts, PageRow, by_count
from mediamesh.storage.postgres import translated_errors

SUGGEST_CANDIDATES = 200
EXACT_COUNT_LIMIT = 5_000
SAMPLE_ROWS = 10_000


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
            await postgres_repository.prefer_custom_plans(conn, timeout)
            built = None
            if not parsed.is_empty:
                built = await postgres_repository.build_query(conn, parsed, timeout)
            fuzzy_below = settings.search_typo_fallback_below if parsed.typo_tolerant else 0
            counts = await postgres_repository.count_matches(
                conn, built, query, fuzzy_below, EXACT_COUNT_LIMIT + 1, timeout
            )
            exact = counts.total <= EXACT_COUNT_LIMIT
            if not exact:
                percent = sample_percent(counts.catalog_rows)
                sampled = await postgres_repository.sample_matches(
                    conn, built, query, counts.fuzzy_used, percent, timeout
                )
                counts, exact = estimated(counts, sampled, percent), percent >= 100
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
        exact_counts=exact,
    )


def sample_percent(catalog_rows: float | None) -> float:
    """The share of the table's pages that holds SAMPLE_ROWS / 2 to SAMPLE_ROWS rows: 100 / 2^k,
    so that the planner's row count drifting a little (autovacuum) keeps the same sample; all
    of them when the table's size is unknown (never analysed) or small."""
    if not catalog_rows or catalog_rows <= SAMPLE_ROWS:
        return 100.0
    return 100.0 * 0.5 ** math.ceil(math.log2(catalog_rows / SAMPLE_ROWS))


def estimated(capped: Counts, sampled: Counts, percent: float) -> Counts:
    """Counts of a match set larger than the cap: the sample's, scaled to the whole table,
    but never below the capped count's (a lower bound, so no value seen is dropped). Exact
    when `percent` is 100 (the sample was the whole table)."""
    scale = 100.0 / percent
    facets = {}
    for name, seen in capped.facets.items():
        found = sampled.facets[name]
        facets[name] = by_count(
            {
                v: max(seen.get(v, 0), round(found.get(v, 0) * scale))
                for v in seen.keys() | found.keys()
            }
        )
    total = max(capped.total, round(sampled.total * scale))
    return Counts(total, capped.fuzzy_used, facets)


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
