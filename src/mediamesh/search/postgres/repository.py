"""Runs the PostgreSQL query path's SQL (search/postgres/sql.py) on one connection.

Every call has an explicit timeout; a statement that does not answer in time raises
PostgresUnavailable (HTTP 503), never a driver exception.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from time import monotonic
from typing import Any, TypeVar

import asyncpg
import orjson

from mediamesh.errors import PostgresUnavailable
from mediamesh.search import highlight
from mediamesh.search.cursor import PostgresPosition
from mediamesh.search.documents import DocumentRecord
from mediamesh.search.models import SearchQuery, Suggestion
from mediamesh.search.postgres import sql
from mediamesh.search.postgres.query_text import ParsedQuery

FACETS = ("contentType", "category", "language")

# Settings of the connections that run these statements (pools of their own, app/resources.py):
# - generic plans: each statement is planned once per connection, and its plan kept. The
#   statements are written for it (the built tsqueries are parameters, filters are
#   `$n IS NULL OR ...`); measured on the 36k films, the 117 labelled queries' search
#   statement took 0.4 ms at the median against 2.5 ms planned for each run's parameters
#   (planning was most of it), the hybrid one 3.6 against 4.3 ms, suggestions 0.5-2 against
#   1.3-2.9 ms, the same answers; a few very common words ran 1-2 ms slower, one ("directed"
#   in Action) 21 against 12 ms;
# - sequential scans from the table's first page: a synchronised scan starts where the last
#   scan of the table stopped, so a capped count or the first candidates of a common word
#   would be another subset on each page of the same query.
# - no JIT: at 1M documents the cost estimates of filtered statements pass jit_above_cost,
#   and compiling took 46 of a 90 ms query ("kisses" in Action); off, the worst filtered
#   query went from 55-57 to 35 ms with the same results (2026-12-05, bench --scale's data).
# - no parallel workers: the first rows of a parallel scan (the title tier's first $8, the
#   first candidates) are whichever worker read first, another subset on each page of the
#   same query; at 1M documents six filtered searches took the same time either way.
SESSION_SETTINGS = {
    "plan_cache_mode": "force_generic_plan",
    "synchronize_seqscans": "off",
    "jit": "off",
    "max_parallel_workers_per_gather": "0",
}
# ...but a kept plan cannot see how common one filter's value is: a filtered search runs on
# connections that plan each statement for its parameters. Measured (36k films, search
# statement, kept plan against planned each run): "star" in Science Fiction 21.7 against
# 5.5 ms, "directed" in Action 16.8 against 8.9, the others within ~1-2 ms either way.
FILTERED_SESSION_SETTINGS = {**SESSION_SETTINGS, "plan_cache_mode": "force_custom_plan"}


# BuiltQuery.surely_over: how many times the count's cap a match set must be estimated at (its
# words by search_terms, its filters by the planner's statistics) to be taken as larger than
# the cap without counting it (a wrong guess costs only exactness: see read_search). Over the
# 246 queries of the scale workload and the labelled ones at 1M documents, the estimates of
# single words and filters were within 3.5% of the true counts and every query estimated at
# or above the cap was above it; the margin is for words less alike than independent.
SURELY_OVER = 1.5

# BuiltQuery.narrowed: what reading and checking one row costs, in documents of a prefix the
# index collects. Measured at 1M documents, warm: ~30 ("the taming of the west", 507 rows
# against 230,099 documents of 'west':*, 13.5 against 32 ms). A row not in memory costs far
# more (a page read from disk), a prefix's documents little more (their index pages are few
# and shared), so the rows each way decide, and this ratio is their lower bound.
NARROW_ROW_COST = 30


@dataclass(frozen=True)
class BuiltQuery:
    tsquery: str | None  # canonical tsquery text; None when the query has no lexeme
    excluded: str | None
    fuzzy: str  # normalised words for trigram matching
    terms: list[str] = field(default_factory=list)  # the positive words' lexemes
    required: str | None = None  # tsquery of the positive quoted phrases (every result)
    # how many documents it may match (None: not estimated, see sql.BUILD_SEARCH), of how many
    estimate: float | None = None
    catalog_rows: float = 1.0
    # a query whose last word is typed as a prefix: the tsquery of the words before it, how
    # many documents they may match, and how many the prefix may (None: not estimated)
    narrow: str | None = None
    narrow_estimate: float | None = None
    prefix_estimate: float | None = None

    def broad(self, cap: int) -> bool:
        """Whether reading its first `cap` matches in table order beats the index, which
        collects every match first. The index costs ~0.15 us a match, the table ~0.6 us a
        row read (1M documents, this machine), and the table is read until `cap` matches:
        rows / estimate of them per match. Measured at 1M, a word of 41,000 documents took
        the same time either way and one of 55,000 half as long in table order: broad when
        estimate^2 >= 2 * cap * catalog rows (~45,000 matches of 1M documents for a cap of
        1,001; ~8,500 of the sample's 36,000)."""
        return self.estimate is not None and self.estimate**2 >= 2 * cap * self.catalog_rows

    def surely_over(self, cap: int, share: float) -> bool:
        """Whether the match set, its filters passing `share` of the documents, is surely
        larger than `cap` (SURELY_OVER times, by the estimates)."""
        return self.estimate is not None and self.estimate * share >= SURELY_OVER * cap

    def narrowed(self, cap: int) -> bool:
        """Whether finding the documents of the words before the prefix and checking each
        against the whole query, until `cap` matches, beats the index on the whole query,
        which collects every document of the prefix first and then reads the matches: by
        the rows each way reads (NARROW_ROW_COST each) and the prefix's documents collected.
        Measured at 1M documents, cold (PostgreSQL restarted, the page cache dropped) and
        warm: "the taming of the west" (507 rows of 'tame' against 230,099 documents of
        'west':*) 58.6 / 13.5 ms narrowed against 93.1 / 32.4 through the index; "relationship
        adaptation" (5,463 rows of 'relationship', 38,498 of 'adapt':*, 373 matches) 290 /
        17.6 narrowed against 58 / 24 through the index: a ratio of prefix to other words
        (7) alone, as chosen before, read every one of those rows."""
        if self.narrow is None or self.narrow_estimate is None or self.prefix_estimate is None:
            return False
        matches = max(self.estimate or 0.0, 1.0)
        # in table order the matches are spread over the other words' documents: until `cap`
        # of them, that share of those documents is read
        narrowed_rows = self.narrow_estimate * min(1.0, cap / matches)
        indexed_rows = min(matches, cap)
        return NARROW_ROW_COST * narrowed_rows <= (
            self.prefix_estimate + NARROW_ROW_COST * indexed_rows
        )

    def narrowing(self, cap: int) -> tuple[str, ...]:
        """The last argument of the narrowed statements (sql.SEARCH_NARROW,
        sql.HYBRID_NARROW) reading up to `cap` matches: the narrow tsquery; empty when the
        query is not narrowed."""
        return (self.narrow,) if self.narrow is not None and self.narrowed(cap) else ()


@dataclass(frozen=True)
class PageRow(DocumentRecord):
    """A row of a page (sql.SEARCH, sql.BROWSE): the document, then its rank and highlights."""

    score: float  # exact: a keyset position compares it for equality
    title_norm: str
    title_marked: str | None  # ts_headline output (highlight.START/STOP); None: no full text
    description_marked: str | None
    title_hit: bool = False  # the title alone has every word of the query


@dataclass(frozen=True)
class Counts:
    total: int
    fuzzy_used: bool
    facets: dict[str, dict[str, int]]
    catalog_rows: float | None = None  # the planner's row count of the table (-1: unknown)
    capped: bool = False  # the count stopped at its cap: the match set may be larger


@contextmanager
def timed(seconds: float) -> Iterator[None]:
    """Turn a statement or pool timeout into PostgresUnavailable."""
    try:
        yield
    except (TimeoutError, asyncpg.QueryCanceledError) as exc:
        late = f"PostgreSQL search did not answer within {seconds:g} s; try again"
        raise PostgresUnavailable(late, public=late) from exc


def by_count(counts: dict[str, int]) -> dict[str, int]:
    """Largest count first, then by value: the order a facet list is shown in."""
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def filter_args(query: SearchQuery) -> tuple[str | None, ...]:
    """A query's four filters, as the statements take them (content type, category,
    language, tag)."""
    return (query.content_type, query.category, query.language, query.tag)


def float_texts(values: Iterable[float]) -> list[str]:
    """Numbers for a statement's `$n::text[]::float8[]` (see sql.py's hybrid statements):
    each float's shortest text that reads back as the same float."""
    return [repr(float(value)) for value in values]


def filtered(query: SearchQuery) -> bool:
    """Whether the query has any filter."""
    return any(filter_args(query))


# The filters' columns, in filter_args order.
FILTER_COLUMNS = ("content_type", "category", "language", "tags")


class FilterShares:
    """The share of the documents each filter value holds, from the planner's statistics
    (pg_stats: the most common values of each filter column, and of tags' elements), read
    again at most every `refresh_seconds`. A value the statistics do not list counts as
    rare (share 0): an estimate from them only ever errs towards counting exactly."""

    def __init__(self, refresh_seconds: float = 60.0) -> None:
        self.refresh_seconds = refresh_seconds
        self._shares: list[dict[str, float]] = [{} for _ in FILTER_COLUMNS]
        self._read_at: float | None = None

    async def share(self, conn: asyncpg.Connection, query: SearchQuery, seconds: float) -> float:
        """The share of the documents that pass the query's filters, taken as independent
        (1.0: no filter)."""
        values = filter_args(query)
        if not any(values):
            return 1.0
        if self._read_at is None or monotonic() - self._read_at >= self.refresh_seconds:
            await self._read(conn, seconds)
        share = 1.0
        for value, shares in zip(values, self._shares, strict=True):
            if value is not None:
                share *= shares.get(value, 0.0)
        return share

    async def _read(self, conn: asyncpg.Connection, seconds: float) -> None:
        with timed(seconds):
            rows = await conn.fetch(sql.FILTER_SHARES, list(FILTER_COLUMNS), timeout=seconds)
        shares: list[dict[str, float]] = [{} for _ in FILTER_COLUMNS]
        for row in rows:
            # extra trailing frequencies of elements (min, max, null share) are left by zip
            pairs = zip(row["vals"] or [], row["freqs"] or [], strict=False)
            shares[FILTER_COLUMNS.index(row["column"])] = {v: float(f) for v, f in pairs}
        self._shares, self._read_at = shares, monotonic()


# Built queries by their parsed parts: building one is a pure function of the text and the
# schema's text search configuration, and a search box sees the same queries again and again
BUILT_CACHED = 4_096
_built: OrderedDict[tuple[str | None, ...], BuiltQuery] = OrderedDict()


async def build_query(conn: asyncpg.Connection, parsed: ParsedQuery, seconds: float) -> BuiltQuery:
    """The query's tsqueries (sql.BUILD_SEARCH), from this process's cache when it has built
    the same parts before (the configuration changes only with a migration, which the
    servers of a version share)."""
    parts = (
        parsed.text,
        parsed.head,
        parsed.prefix_word,
        parsed.excluded,
        parsed.fuzzy,
        parsed.phrases,
    )
    found = _built.get(parts)
    if found is not None:
        _built.move_to_end(parts)
        return found
    with timed(seconds):
        row = await conn.fetchrow(sql.BUILD_SEARCH, *parts, timeout=seconds)
    built = BuiltQuery(
        row["tsquery"],
        row["excluded"],
        row["fuzzy"] or "",
        list(row["terms"]),
        row["required"],
        row["estimate"],
        row["catalog_rows"],
        row["narrow"],
        row["narrow_estimate"],
        row["prefix_estimate"],
    )
    _built[parts] = built
    while len(_built) > BUILT_CACHED:
        _built.popitem(last=False)
    return built


async def sample_matches(
    conn: asyncpg.Connection,
    built: BuiltQuery | None,
    query: SearchQuery,
    fuzzy_used: bool,
    percent: float,
    seconds: float,
) -> Counts:
    """Total and facets of the matches among a random `percent` of the table's pages."""
    if built is None:
        return await _counted(conn, sql.BROWSE_SAMPLE, (*filter_args(query), percent), seconds)
    args = (*matching_args(built, query), fuzzy_used, percent)
    return await _counted(conn, sql.SAMPLE_MATCHES, args, seconds)


def matching_args(built: BuiltQuery, query: SearchQuery) -> tuple[object, ...]:
    """The leading arguments of the match statements: the query's terms, then its filters."""
    return (built.tsquery, built.excluded, built.fuzzy, *filter_args(query))


async def _counted(
    conn: asyncpg.Connection, statement: str, args: tuple[object, ...], seconds: float
) -> Counts:
    with timed(seconds):
        row = await conn.fetchrow(statement, *args, timeout=seconds)
    return counts_of(row)


def counts_of(row: asyncpg.Record) -> Counts:
    """The counts of a statement's row (total, fuzzy_used, catalog_rows and the facets'
    JSON columns, as sql.py's counting statements name them)."""
    facets = {
        name: by_count(orjson.loads(row[column]) if row[column] else {})
        for name, column in zip(FACETS, ("content_type", "category", "language"), strict=True)
    }
    return Counts(row["total"], row["fuzzy_used"], facets, row["catalog_rows"])


async def read_search(
    conn: asyncpg.Connection,
    built: BuiltQuery,
    query: SearchQuery,
    *,
    fuzzy_below: int,
    candidate_limit: int,
    cap: int,
    shares: FilterShares,
    after: PostgresPosition | None,
    size: int,
    seconds: float,
) -> tuple[Counts, list[PageRow]]:
    """One statement (sql.SEARCH): the total and facets of the match set's first `cap` rows
    (the whole match set when `total` < `cap`; else Counts.capped), and up to `size` rows
    after `after` in (score DESC, title_norm, content_id) order. Typo-tolerant title matches
    join the match set when full text finds fewer than `fuzzy_below` documents.

    How it reads, each way reading the same first matches in the same order, so giving the
    same page: a match set surely larger than `cap` (BuiltQuery.surely_over, with the
    filters' `shares`) only as far as the page needs (sql.DOCUMENT_CANDIDATES), its count
    being estimated anyway (where the estimate was wrong, a count under `cap` is estimated
    instead of exact, and a query of fewer full-text matches than `fuzzy_below` ranks fewer
    typo-tolerant ones); a broad query without filters (BuiltQuery.broad) in table order
    (sql.SEARCH_BROAD), while with filters the planner sees their values and chooses; a
    query whose prefix matches far more than its other words (BuiltQuery.narrowed) by
    their documents first (sql.SEARCH_NARROW); a query with a category or tag filter, but
    not broad, by the words of the query and of the filters together
    (sql.SEARCH_FILTER_WORDS, sql.SEARCH_NARROW_FILTER_WORDS)."""
    read_cap = cap
    if built.surely_over(cap, 1.0) and built.surely_over(
        cap, await shares.share(conn, query, seconds)
    ):
        read_cap = min(cap, sql.DOCUMENT_CANDIDATES + 1)
    statement, narrowing = search_statement(built, query, cap, read_cap)
    with timed(seconds):
        row = await conn.fetchrow(
            statement,
            *matching_args(built, query),
            candidate_limit,
            fuzzy_below,
            read_cap,
            *keyset(after),
            size,
            highlight.TITLE_OPTIONS,
            highlight.DESCRIPTION_OPTIONS,
            *narrowing,
            timeout=seconds,
        )
    return capped_at(counts_of(row), read_cap), page_rows(row, PageRow)


def search_statement(
    built: BuiltQuery, query: SearchQuery, cap: int, read_cap: int
) -> tuple[str, tuple[str, ...]]:
    """The statement that reads the query's first `read_cap` matches (of a count capped at
    `cap`), and its narrowing argument (BuiltQuery.narrowing): see read_search."""
    if built.broad(read_cap) and not filtered(query):
        return sql.SEARCH_BROAD, ()
    # the words of a category or tag filter narrow the index's answer, but a broad query's
    # words and a common category's together cost the index more than the rows they save
    filter_words = bool(query.category or query.tag) and not built.broad(cap)
    if narrowing := built.narrowing(read_cap):
        return (sql.SEARCH_NARROW_FILTER_WORDS if filter_words else sql.SEARCH_NARROW), narrowing
    return (sql.SEARCH_FILTER_WORDS if filter_words else sql.SEARCH), ()


async def read_browse(
    conn: asyncpg.Connection,
    query: SearchQuery,
    *,
    cap: int,
    after: PostgresPosition | None,
    size: int,
    seconds: float,
) -> tuple[Counts, list[PageRow]]:
    """An empty query's answer in one statement (sql.BROWSE): the filtered documents' counts
    (of the first `cap`) and up to `size` of them after `after`, in title order."""
    with timed(seconds):
        row = await conn.fetchrow(
            sql.BROWSE, *filter_args(query), cap, *keyset(after)[1:], size, timeout=seconds
        )
    return capped_at(counts_of(row), cap), page_rows(row, PageRow)


def capped_at(counts: Counts, cap: int) -> Counts:
    """`counts` of a statement that counted at most `cap` matches."""
    return replace(counts, capped=counts.total >= cap)


Row = TypeVar("Row", bound=PageRow)


def page_rows(row: asyncpg.Record, kind: type[Row]) -> list[Row]:
    """The page of a statement's row: its `rows` JSON array (sql._page_rows)."""
    return [kind(**item) for item in orjson.loads(row["rows"])]


def keyset(after: PostgresPosition | None) -> tuple[Any, ...]:
    """The keyset parameters (score, title_norm, content_id) of a position; NULLs: none."""
    return (after.score, after.title_norm, after.content_id) if after else (None, None, None)


async def suggest(
    conn: asyncpg.Connection, parsed: ParsedQuery, limit: int, candidate_limit: int, seconds: float
) -> list[Suggestion]:
    """Up to `limit` titles, read with search's query semantics (phrases, `or`, exclusions);
    none when the text has no word and is too short for trigrams."""
    with timed(seconds):
        built = await conn.fetchrow(
            sql.BUILD_SUGGEST,
            parsed.head,
            parsed.prefix_word or "",
            parsed.fuzzy,
            parsed.excluded,
            timeout=seconds,
        )
        if built["tsquery"] is None and len(built["fuzzy"] or "") < 3:
            return []
        rows = await conn.fetch(
            sql.SUGGEST,
            built["tsquery"],
            built["fuzzy"],
            limit,
            candidate_limit,
            built["excluded"],
            parsed.typo_tolerant,
            timeout=seconds,
        )
    return [Suggestion(r["content_id"], r["title"], r["content_type"]) for r in rows]


async def live_ids(
    conn: asyncpg.Connection, content_ids: list[str], max_lag: float, seconds: float
) -> tuple[set[str], bool]:
    """The ids among `content_ids` whose document is live (neither deleted nor unknown), and
    whether the DynamoDB index is behind by more than `max_lag` seconds (an outbox row has
    waited longer)."""
    with timed(seconds):
        row = await conn.fetchrow(sql.LIVE_IDS, content_ids, max_lag, timeout=seconds)
    assert row is not None
    return set(row["live"]), bool(row["behind"])
