"""Runs the PostgreSQL query path's SQL (search/postgres/sql.py) on one connection.

Every call has an explicit timeout; a statement that does not answer in time raises
PostgresUnavailable (HTTP 503), never a driver exception.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

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
# Custom plans (prefer_custom_plans), and sequential scans from the table's first page: a
# synchronised scan starts where the last scan of the table stopped, so a capped count or a
# LIMITed candidate tier would read another subset on each page of the same query.
_SETTINGS = (("plan_cache_mode", "force_custom_plan"), ("synchronize_seqscans", "off"))
_CUSTOM_PLANS = "; ".join(f"SET LOCAL {name} = {value}" for name, value in _SETTINGS)
_EXPORT = "SELECT pg_export_snapshot(), " + ", ".join(
    f"set_config('{name}', '{value}', true)" for name, value in _SETTINGS
)
_SNAPSHOT_NAME = re.compile(r"[0-9A-Fa-f]+(-[0-9A-Fa-f]+)*")


@dataclass(frozen=True)
class BuiltQuery:
    tsquery: str | None  # canonical tsquery text; None when the query has no lexeme
    excluded: str | None
    fuzzy: str  # normalised words for trigram matching
    terms: list[str] = field(default_factory=list)  # the positive words' lexemes
    required: str | None = None  # tsquery of the positive quoted phrases (every result)


@dataclass(frozen=True)
class PageRow(DocumentRecord):
    """A row of sql.PAGE / sql.BROWSE_PAGE: the document, then its rank and highlights."""

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


def _filters(query: SearchQuery) -> tuple[str | None, ...]:
    return (query.content_type, query.category, query.language, query.tag)


async def build_query(conn: asyncpg.Connection, parsed: ParsedQuery, seconds: float) -> BuiltQuery:
    with timed(seconds):
        row = await conn.fetchrow(
            sql.BUILD_SEARCH,
            parsed.text,
            parsed.head,
            parsed.prefix_word,
            parsed.excluded,
            parsed.fuzzy,
            parsed.phrases,
            timeout=seconds,
        )
    return BuiltQuery(
        row["tsquery"], row["excluded"], row["fuzzy"] or "", list(row["terms"]), row["required"]
    )


async def prefer_custom_plans(
    conn: asyncpg.Connection, seconds: float, *, share: bool = False
) -> str | None:
    """Plan each statement for its parameters, for the rest of the transaction; with `share`,
    also export the transaction's snapshot and return its name (for `join_snapshot`).

    The statements are prepared once per connection (asyncpg's cache), and after five runs
    PostgreSQL may switch to a generic plan, which cannot drop the `$n IS NULL OR ...` of an
    unused filter nor see how common the searched words are (a LIMIT over a sequential
    scan is quick for "film", a full table scan for a word that matches three titles).
    """
    with timed(seconds):
        if not share:
            await conn.execute(_CUSTOM_PLANS, timeout=seconds)
            return None
        name: str = await conn.fetchval(_EXPORT, timeout=seconds)
    return name


async def join_snapshot(conn: asyncpg.Connection, snapshot: str, seconds: float) -> None:
    """Make this (new, REPEATABLE READ) transaction see exactly the exported `snapshot`, so
    statements on two connections read the same state; custom plans as above."""
    if not _SNAPSHOT_NAME.fullmatch(snapshot):  # spliced into SQL: PostgreSQL's own name only
        raise ValueError(f"not a snapshot name: {snapshot!r}")
    with timed(seconds):
        await conn.execute(
            f"SET TRANSACTION SNAPSHOT '{snapshot}'; {_CUSTOM_PLANS}", timeout=seconds
        )


async def count_matches(
    conn: asyncpg.Connection,
    built: BuiltQuery | None,
    query: SearchQuery,
    fuzzy_below: int,
    cap: int,
    seconds: float,
) -> Counts:
    """Total and facets of the match set's first `cap` rows (`built` None: browse the
    filters); the whole match set when `total` < `cap`."""
    if built is None:
        return await _counted(conn, sql.BROWSE_COUNT, (*_filters(query), cap), seconds)
    args = (*_matching(built, query), fuzzy_below, cap)
    return await _counted(conn, sql.COUNT_MATCHES, args, seconds)


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
        return await _counted(conn, sql.BROWSE_SAMPLE, (*_filters(query), percent), seconds)
    args = (*_matching(built, query), fuzzy_used, percent)
    return await _counted(conn, sql.SAMPLE_MATCHES, args, seconds)


def _matching(built: BuiltQuery, query: SearchQuery) -> tuple[object, ...]:
    """The leading arguments of the match statements: the query's terms, then its filters."""
    return (built.tsquery, built.excluded, built.fuzzy, *_filters(query))


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


async def fetch_page(
    conn: asyncpg.Connection,
    built: BuiltQuery | None,
    query: SearchQuery,
    *,
    fuzzy_below: int,
    candidate_limit: int,
    after: PostgresPosition | None,
    size: int,
    seconds: float,
) -> list[PageRow]:
    """Up to `size` rows after `after` in (score DESC, title_norm, content_id) order; typo-
    tolerant title matches are candidates when full text finds fewer than `fuzzy_below`
    documents (the rule of count_matches, decided here too so the page need not wait)."""
    keyset: tuple[Any, ...] = (
        (after.score, after.title_norm, after.content_id) if after else (None, None, None)
    )
    with timed(seconds):
        if built is None:
            rows = await conn.fetch(
                sql.BROWSE_PAGE, *_filters(query), *keyset[1:], size, timeout=seconds
            )
            return [PageRow(**row) for row in rows]
        rows = await conn.fetch(
            sql.PAGE,
            built.tsquery,
            built.excluded,
            built.fuzzy,
            *_filters(query),
            candidate_limit,
            fuzzy_below,
            *keyset,
            size,
            highlight.TITLE_OPTIONS,
            highlight.DESCRIPTION_OPTIONS,
            timeout=seconds,
        )
    return [PageRow(**row) for row in rows]


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


async def live_ids(conn: asyncpg.Connection, content_ids: list[str], seconds: float) -> set[str]:
    """The ids among `content_ids` whose document is live (neither deleted nor unknown)."""
    with timed(seconds):
        rows = await conn.fetch(sql.LIVE_IDS, content_ids, timeout=seconds)
    return {row["content_id"] for row in rows}
