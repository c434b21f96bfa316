"""The PostgreSQL query path: full-text search and suggestions (docs/SEARCH.md).

When every word of a query finds too little and no title has them all, the answer is the
hybrid one instead (hybrid.py: most words, and by meaning), with cursors of its own.

`search` reads the match set's total and facets and one page of it in one statement
(sql.SEARCH, or sql.BROWSE for an empty query): one snapshot, so the counts and the page
agree, and one round trip. Its cursor token is a keyset position (see search/cursor.py);
search/service.py wraps it with the path's tag.

Counts are exact up to EXACT_COUNT_LIMIT matches. Counting a larger match set exactly
reads every matching row (tens of milliseconds for "film" on 100,000 documents, growing
with the catalog), so beyond it the total and facets are estimated from a random sample of
at most SAMPLE_ROWS rows, never below what the capped count saw, and `exact_counts` is False.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Sequence

import asyncpg

from mediamesh.search import highlight
from mediamesh.search.cursor import (
    PostgresPosition,
    decode_position,
    encode_position,
    fingerprint,
)
from mediamesh.search.models import SearchHit, SearchQuery, SearchResult, Suggestion
from mediamesh.search.postgres import hybrid, query_text
from mediamesh.search.postgres import repository as postgres_repository
from mediamesh.search.postgres.relaxed import relaxed_query, term_stats
from mediamesh.search.postgres.repository import BuiltQuery, Counts, PageRow, by_count
from mediamesh.search.semantic import text as semantic_text
from mediamesh.search.semantic.index import Neighbour
from mediamesh.search.stores import SearchStores
from mediamesh.settings import Settings
from mediamesh.storage.postgres import translated_errors

SUGGEST_CANDIDATES = 200
EXACT_COUNT_LIMIT = 1_000
SAMPLE_ROWS = 2_500

log = logging.getLogger(__name__)


async def search(stores: SearchStores, query: SearchQuery) -> SearchResult:
    """One page of results; `query.cursor` is this path's token (unwrapped) or None.

    Raises InvalidInput for a cursor of another query, PostgresUnavailable when PostgreSQL
    does not answer within SEARCH_POSTGRES_TIMEOUT_SECONDS.
    """
    settings = stores.settings
    timeout = settings.search_postgres_timeout_seconds
    parsed = query_text.parse(query.q)
    mark = fingerprint(query, parsed.text)
    hybrid_page = bool(query.cursor and query.cursor.startswith(hybrid.CURSOR_PREFIX))
    token = query.cursor.removeprefix(hybrid.CURSOR_PREFIX) if query.cursor else None
    after = decode_position(token, mark) if token else None
    # an `or` query too: people write "silent or blind" in a description, and an `or` that
    # finds too little is no answer either
    relaxable = settings.search_relax_below > 0 and not parsed.is_empty
    meaning = None
    try:
        with translated_errors(settings.database_url), postgres_repository.timed(timeout):
            pool = stores.queries_for(postgres_repository.filtered(query))
            async with pool.acquire(timeout=timeout) as conn:
                built = None
                if parsed.is_empty:
                    counts, rows = await postgres_repository.read_browse(
                        conn,
                        query,
                        cap=EXACT_COUNT_LIMIT + 1,
                        after=after,
                        size=query.limit + 1,
                        seconds=timeout,
                    )
                else:
                    built = await postgres_repository.build_query(conn, parsed, timeout)
                    if relaxable and len(set(built.terms)) >= SPECULATE_WORDS:
                        # a query of many words is most likely a description: its nearest
                        # documents by meaning are looked for now, beside the strict read
                        meaning = _meaning(stores, query)
                    counts, rows = await postgres_repository.read_search(
                        conn,
                        built,
                        query,
                        fuzzy_below=_fuzzy_below(settings, parsed, built),
                        candidate_limit=settings.search_candidate_limit,
                        cap=EXACT_COUNT_LIMIT + 1,
                        shares=stores.filter_shares,
                        # a hybrid cursor's page is the hybrid statement's: only the strict
                        # counts are read here
                        after=None if hybrid_page else after,
                        size=0 if hybrid_page else query.limit + 1,
                        seconds=timeout,
                    )
                # a hybrid cursor continues a hybrid answer; a first page goes hybrid when
                # the strict one is too little (hybrid.wanted)
                goes_hybrid = hybrid_page or (
                    after is None
                    and built is not None
                    and hybrid.wanted(built.terms, counts.total, rows, settings.search_relax_below)
                )
                if relaxable and built is not None and goes_hybrid:
                    if meaning is None:
                        meaning = _meaning(stores, query)
                    return await _hybrid(
                        stores, conn, built, query, mark, after, counts, meaning, timeout
                    )
                counts, exact = await _completed(conn, built, query, counts, timeout)
    finally:
        if meaning is not None and not meaning.done():
            meaning.cancel()
    return _result(query, rows, mark, counts, exact=exact)


# words (stop words aside) from which a query's embedding is computed beside the strict read
SPECULATE_WORDS = 4
# words (stop words aside) beyond which a query gets no typo-tolerant title matches
TYPO_MAX_WORDS = 3


def _fuzzy_below(settings: Settings, parsed: query_text.ParsedQuery, built: BuiltQuery) -> int:
    """Typo-tolerant title matches join the match set when full text finds fewer documents
    than this; never for a quoted phrase, nor for a query of more than TYPO_MAX_WORDS words
    (a description, not a mistyped title: and the trigrams of a long text cost 5-20 ms for
    nothing, a title's are a few)."""
    if not parsed.typo_tolerant or len(set(built.terms)) > TYPO_MAX_WORDS:
        return 0
    return settings.search_typo_fallback_below


def _meaning(stores: SearchStores, query: SearchQuery) -> asyncio.Task[list[Neighbour]] | None:
    """The query's nearest documents by meaning, being computed (None: no vector index, or
    no vector in it yet: search stays lexical)."""
    meaning = stores.meaning
    if meaning is None or not meaning.ready:
        return None
    k = _meaning_matches(stores.settings, query)
    task = asyncio.create_task(meaning.nearest(semantic_text.query_text(query.q), k, -1.0))
    # a speculative one may end unread (the strict answer sufficed): its failure is not news
    task.add_done_callback(lambda done: done.cancelled() or done.exception())
    return task


def _meaning_matches(settings: Settings, query: SearchQuery) -> int:
    """How many of the nearest documents are matches (if near enough); the nearest may not
    pass the filters: more when there are some."""
    return settings.search_semantic_candidates * (10 if postgres_repository.filtered(query) else 1)


async def _hybrid(
    stores: SearchStores,
    conn: asyncpg.Connection,
    built: BuiltQuery,
    query: SearchQuery,
    mark: str,
    after: PostgresPosition | None,
    strict: Counts,
    meaning: asyncio.Task[list[Neighbour]] | None,
    seconds: float,
) -> SearchResult:
    settings = stores.settings
    relaxed = None
    found = hybrid.RelaxedMatches([], [])
    # the words' matches are read while the meaning task (a worker thread) runs
    if len(set(built.terms)) >= 3:
        stats = await term_stats(conn, built.terms, seconds)
        relaxed = relaxed_query(built.terms, stats.weights, stats.documents, stats.synonyms)
        if relaxed is not None:
            found = await hybrid.relaxed_matches(
                conn,
                built,
                query,
                relaxed,
                candidate_limit=settings.search_candidate_limit,
                seconds=seconds,
            )
    neighbours: list[Neighbour] = []
    if meaning is not None:
        try:
            neighbours = await asyncio.wait_for(meaning, seconds)
        except TimeoutError:
            log.warning("the query's embedding took over %g s: answering by words alone", seconds)
        except Exception:  # the model could not run: words alone still answer
            log.exception("search by meaning failed: answering by words alone")
    # a match by words is scored by its meaning too: its own cosine, from the index
    scored: list[Neighbour] = []
    if neighbours and stores.meaning is not None:
        listed = {n.content_id for n in neighbours}
        others = [cid for cid in found.content_ids if cid not in listed]
        scored = stores.meaning.similarities(semantic_text.query_text(query.q), others)
    counts, rows = await hybrid.read(
        conn,
        built,
        query,
        terms=built.terms,
        relaxed=relaxed,
        relaxed_found=found,
        neighbours=neighbours,
        scored=scored,
        min_similarity=settings.search_semantic_min_similarity,
        fuzzy_used=strict.fuzzy_used,
        candidate_limit=settings.search_candidate_limit,
        after=after,
        size=query.limit + 1,
        seconds=seconds,
    )
    return _result(query, rows, mark, counts, exact=True, cursor_prefix=hybrid.CURSOR_PREFIX)


def _result(
    query: SearchQuery,
    rows: Sequence[PageRow],
    mark: str,
    counts: Counts,
    *,
    exact: bool,
    cursor_prefix: str = "",
) -> SearchResult:
    """The answer: the first `query.limit` rows (one more was read to know whether a next
    page exists, and its cursor is the last row's keyset position)."""
    page = rows[: query.limit]
    next_cursor = None
    if len(rows) > query.limit and page:
        last = page[-1]
        position = PostgresPosition(mark, last.score, last.title_norm, last.content_id)
        next_cursor = cursor_prefix + encode_position(position)
    return SearchResult(
        query=query.q,
        items=[_hit(row) for row in page],
        total=counts.total,
        facets=counts.facets,
        next_cursor=next_cursor,
        source="postgres",
        exact_counts=exact,
    )


async def _completed(
    conn: asyncpg.Connection,
    built: BuiltQuery | None,
    query: SearchQuery,
    counts: Counts,
    seconds: float,
) -> tuple[Counts, bool]:
    """The match set's total and facets, and whether they are exact: `counts` when the
    capped count saw the whole match set, else estimated from a sample."""
    if not counts.capped:
        return counts, True
    percent = sample_percent(counts.catalog_rows)
    sampled = await postgres_repository.sample_matches(
        conn, built, query, counts.fuzzy_used, percent, seconds
    )
    return estimated(counts, sampled, percent), percent >= 100


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


async def live_ids(stores: SearchStores, content_ids: list[str]) -> tuple[set[str], bool]:
    """The ids among `content_ids` that are live documents here (the source of truth), and
    whether the DynamoDB index is behind by more than SEARCH_DYNAMODB_MAX_LAG_SECONDS.
    Raises PostgresUnavailable when PostgreSQL does not answer within
    SEARCH_POSTGRES_TIMEOUT_SECONDS."""
    settings = stores.settings
    timeout = settings.search_postgres_timeout_seconds
    with translated_errors(settings.database_url), postgres_repository.timed(timeout):
        async with stores.queries.acquire(timeout=timeout) as conn:
            return await postgres_repository.live_ids(
                conn, content_ids, settings.search_dynamodb_max_lag_seconds, timeout
            )


async def suggest(stores: SearchStores, q: str, limit: int) -> list[Suggestion]:
    """Titles for a search box: word prefixes ("godf"), typos ("godfathr"), exact first;
    the query's phrases, `or` and exclusions mean what they mean to `search`. Nothing for
    a query without a positive word ("-godfather" names only what to leave out)."""
    parsed = query_text.parse(q)
    if parsed.is_empty or not parsed.fuzzy:
        return []
    timeout = stores.settings.search_postgres_timeout_seconds
    with translated_errors(stores.settings.database_url), postgres_repository.timed(timeout):
        async with stores.queries.acquire(timeout=timeout) as conn:
            return await postgres_repository.suggest(
                conn, parsed, limit, SUGGEST_CANDIDATES, timeout
            )


def _hit(row: PageRow) -> SearchHit:
    title, description = row.title_marked, row.description_marked
    matched_by: tuple[str, ...] = ("text",)
    if isinstance(row, hybrid.HybridRow):
        matched_by = ("text",) * row.by_text + ("meaning",) * row.by_meaning
    return SearchHit.of(
        row,
        score=round(row.score, 6),
        matched_by=matched_by,
        highlights={
            "title": highlight.to_html(title) if title else highlight.plain(row.title),
            "description": highlight.to_html(description)
            if description is not None
            else highlight.snippet(row.description),
        },
    )
