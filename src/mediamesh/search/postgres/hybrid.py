"""When the strict query finds too little: match most words, and by meaning (docs/SEARCH.md).

A query goes hybrid when it has at least two words, every word together finds fewer than
SEARCH_RELAX_BELOW documents, and none of them has all the words in its title (a title
match means the person named the film: known-item search stays as it was). Then
sql.RELAXED reads the documents that match most of the words (relaxed.py) while the vector
index looks for the nearest by meaning; the word matches' own cosines are read from the
index; and one statement (sql.HYBRID) ranks the strict matches first, in their own order,
and after them the documents found by most words or by meaning, with the same filters,
required phrases and exclusions for every one of them.

Its pages continue with a cursor of their own (`h~` + keyset position), so a second page
never switches between strict and hybrid ranking.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import asyncpg

from mediamesh.search import highlight
from mediamesh.search.cursor import PostgresPosition
from mediamesh.search.models import SearchQuery
from mediamesh.search.postgres import sql
from mediamesh.search.postgres.relaxed import RelaxedQuery, tsquery_term
from mediamesh.search.postgres.repository import (
    BuiltQuery,
    Counts,
    PageRow,
    counts_of,
    filter_args,
    float_texts,
    keyset,
    matching_args,
    page_rows,
    timed,
)
from mediamesh.search.semantic.index import Neighbour

CURSOR_PREFIX = "h~"


@dataclass(frozen=True)
class HybridRow(PageRow):
    by_text: bool = True
    by_meaning: bool = False


def wanted(terms: list[str], strict_total: int, rows: list[PageRow], below: int) -> bool:
    """Whether the strict answer is too little and not a named film."""
    return len(terms) >= 2 and strict_total < below and not any(row.title_hit for row in rows)


@dataclass(frozen=True)
class RelaxedMatches:
    """The documents with most of the query's words (sql.RELAXED), and their coverage."""

    content_ids: list[str]
    coverages: list[float]


async def relaxed_matches(
    conn: asyncpg.Connection,
    built: BuiltQuery,
    query: SearchQuery,
    relaxed: RelaxedQuery,
    *,
    candidate_limit: int,
    seconds: float,
) -> RelaxedMatches:
    """Up to `candidate_limit` documents with most of the query's words that pass its
    filters, phrases and exclusions, each with its coverage."""
    with timed(seconds):
        rows = await conn.fetch(
            sql.RELAXED,
            relaxed.candidates,
            built.excluded,
            built.required,
            *filter_args(query),
            candidate_limit,
            relaxed.terms,
            float_texts(relaxed.weights),
            relaxed.total_weight,
            timeout=seconds,
        )
    return RelaxedMatches([r["content_id"] for r in rows], [float(r["coverage"]) for r in rows])


async def read(
    conn: asyncpg.Connection,
    built: BuiltQuery,
    query: SearchQuery,
    *,
    terms: list[str],
    relaxed: RelaxedQuery | None,
    relaxed_found: RelaxedMatches,
    neighbours: list[Neighbour],
    scored: list[Neighbour],
    min_similarity: float,
    fuzzy_used: bool,
    candidate_limit: int,
    after: PostgresPosition | None,
    size: int,
    seconds: float,
) -> tuple[Counts, list[HybridRow]]:
    """The hybrid match set's counts and one page of it (up to `size` rows after `after`).
    `neighbours`: the nearest documents by meaning, nearest first, matches if their cosine
    is at least `min_similarity`; `scored`: the cosines of other documents
    (`relaxed_found`'s), which they are scored by."""
    marks = relaxed.highlight if relaxed else " | ".join(tsquery_term(t) for t in terms)
    listed = [*neighbours, *scored]
    narrowing = built.narrowing(candidate_limit)
    with timed(seconds):
        row = await conn.fetchrow(
            sql.HYBRID_NARROW if narrowing else sql.HYBRID,
            *matching_args(built, query),
            candidate_limit,
            fuzzy_used,
            built.required,
            relaxed_found.content_ids,
            float_texts(relaxed_found.coverages),
            [n.content_id for n in listed],
            float_texts(n.similarity for n in listed),
            *keyset(after),
            size,
            highlight.TITLE_OPTIONS,
            highlight.DESCRIPTION_OPTIONS,
            marks or None,
            len(neighbours),
            min_similarity,
            neighbours[-1].similarity if neighbours else 0.0,
            *narrowing,
            timeout=seconds,
        )
    counts = dataclasses.replace(counts_of(row), fuzzy_used=fuzzy_used)
    return counts, page_rows(row, HybridRow)
