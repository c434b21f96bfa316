"""When the strict query finds too little: match most words, and by meaning (docs/SEARCH.md).

A query goes hybrid when it has at least two words, every word together finds fewer than
SEARCH_RELAX_BELOW documents, and none of them has all the words in its title (a title
match means the person named the film: known-item search stays as it was). Then one
statement (sql.HYBRID) ranks the strict matches first, in their own order, and after them
the documents that match most of the words (relaxed.py) or are near in meaning (the vector
index), with the same filters, required phrases and exclusions for every one of them.

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
    keyset,
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


async def read(
    conn: asyncpg.Connection,
    built: BuiltQuery,
    query: SearchQuery,
    *,
    terms: list[str],
    relaxed: RelaxedQuery | None,
    neighbours: list[Neighbour],
    meaning_matches: int,
    min_similarity: float,
    fuzzy_used: bool,
    candidate_limit: int,
    after: PostgresPosition | None,
    size: int,
    seconds: float,
) -> tuple[Counts, list[HybridRow]]:
    """The hybrid match set's counts and one page of it (up to `size` rows after `after`).
    `neighbours`: the nearest documents by meaning, nearest first; the first
    `meaning_matches` of them with a cosine of at least `min_similarity` are matches, and
    every candidate's meaning is scored by its cosine among them."""
    marks = relaxed.highlight if relaxed else " | ".join(tsquery_term(t) for t in terms)
    with timed(seconds):
        row = await conn.fetchrow(
            sql.HYBRID,
            built.tsquery,
            built.excluded,
            built.fuzzy,
            query.content_type,
            query.category,
            query.language,
            query.tag,
            candidate_limit,
            fuzzy_used,
            built.required,
            relaxed.candidates if relaxed else None,
            relaxed.terms if relaxed else [],
            relaxed.weights if relaxed else [],
            relaxed.total_weight if relaxed else 1.0,
            [n.content_id for n in neighbours],
            [n.similarity for n in neighbours],
            *keyset(after),
            size,
            highlight.TITLE_OPTIONS,
            highlight.DESCRIPTION_OPTIONS,
            marks or None,
            meaning_matches,
            min_similarity,
            neighbours[-1].similarity if neighbours else 0.0,
            timeout=seconds,
        )
    counts = dataclasses.replace(counts_of(row), fuzzy_used=fuzzy_used)
    return counts, page_rows(row, HybridRow)
