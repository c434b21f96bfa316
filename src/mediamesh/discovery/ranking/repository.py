"""Running the ranking SQL (ranking_sql) in one read-only transaction.

Two strategies, both exact:
- full: aggregate every item of the window, cut to the best `candidates`, rank those;
- pre-filter (trending): rank only the items whose cheap upper bound (from the daily
  rollup, far fewer rows than the hourly one) is among the best `candidates`, then accept
  the result only if nothing left out could have entered it; otherwise run the full one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import asyncpg

from mediamesh.discovery.ranking import sql as ranking_sql
from mediamesh.discovery.ranking import window_totals
from mediamesh.discovery.ranking.sql import Aggregate, TotalsWindow
from mediamesh.storage.postgres import translated_errors

# Session settings for the ranking transaction: memory to aggregate ~100k items without
# spilling to disk; no JIT (its compile time exceeds these queries' run time); always a plan
# for the actual arguments (asyncpg prepares statements, and after five runs PostgreSQL may
# switch to a generic plan, blind to the window and candidate arrays: measured 20x slower);
# and a server-side cap so that a pathological plan cannot hold a connection for long.
_SESSION = (
    "SET LOCAL work_mem = '64MB'; SET LOCAL jit = off; "
    "SET LOCAL plan_cache_mode = force_custom_plan; SET LOCAL statement_timeout = '{ms}'"
)
STATEMENT_TIMEOUT_MS = 15_000
NO_CUT = 2**31 - 1


@dataclass(frozen=True)
class Filters:
    content_type: str | None
    category: str | None
    language: str | None
    max_episodes_per_program: int
    size: int

    @property
    def any(self) -> bool:
        return any((self.content_type, self.category, self.language))


async def top_items(
    pool: asyncpg.Pool,
    aggregate: Aggregate,
    weights: tuple[float, float, float],
    filters: Filters,
    candidates: int,
) -> list[asyncpg.Record]:
    """The ranked rows, best first, at most `filters.size`; the same whatever `candidates`."""
    head = [*weights, filters.content_type, filters.category, filters.language]
    tail = [filters.max_episodes_per_program, filters.size]
    # The pool converts outages inside `acquire()` already (TranslatingPool); this covers any
    # other pool too, and the server's statement_timeout (QueryCanceledError) alike.
    # One snapshot for every statement (repeatable read): the window totals and their anchor,
    # or the pre-filter's bounds and its exact scores, describe the same rollups.
    with translated_errors(doing="computing a discovery list"):
        async with (
            pool.acquire() as conn,
            conn.transaction(isolation="repeatable_read", readonly=True),
        ):
            await conn.execute(_SESSION.format(ms=STATEMENT_TIMEOUT_MS))
            if aggregate.totals is not None:
                aggregate = await _from_totals(conn, aggregate, aggregate.totals)
            if aggregate.prefilter is not None:
                rows = await _prefiltered(conn, aggregate, head, tail, filters, candidates)
                if rows is not None:
                    return rows
            query = ranking_sql.ranked(aggregate.sql, filters.any)
            fetched = await conn.fetch(query, *head, candidates, *tail, *aggregate.args)
            # A short list after a cut that dropped items: the cap or an unpublished program
            # thinned the candidates, so rank everyone.
            if len(_present(fetched)) < filters.size and fetched[0]["was_cut"]:
                fetched = await conn.fetch(query, *head, NO_CUT, *tail, *aggregate.args)
    return _present(fetched)


async def _from_totals(
    conn: asyncpg.Connection, aggregate: Aggregate, window: TotalsWindow
) -> Aggregate:
    """`aggregate` reading the window totals where they can serve `window`: popular's sums,
    trending's pre-filter bounds."""
    anchor = await window_totals.read_anchor(conn)
    if window.half_life_hours is None:
        corrections = window_totals.corrections(anchor, window.hours, window.newest)
        return aggregate if corrections is None else ranking_sql.popular_from_totals(corrections)
    scale = window_totals.trend_scale(anchor, window.hours, window.half_life_hours, window.newest)
    return (
        aggregate
        if scale is None
        else ranking_sql.with_trend_bounds(aggregate, scale, window.hours)
    )


async def _prefiltered(
    conn: asyncpg.Connection,
    aggregate: Aggregate,
    head: Sequence[object],
    tail: Sequence[object],
    filters: Filters,
    candidates: int,
) -> list[asyncpg.Record] | None:
    """The list from the best upper bounds, or None when it cannot be proven exact."""
    prefilter = aggregate.prefilter
    assert prefilter is not None
    picked = await conn.fetchrow(
        ranking_sql.bounded(prefilter.bound, filters.any),
        *head,
        candidates,
        *prefilter.bound_args,
    )
    cut, item_ids = picked["cut"], picked["item_ids"] or []
    query = ranking_sql.ranked(prefilter.exact, filtered=False)
    rows = _present(await conn.fetch(query, *head, NO_CUT, *tail, *prefilter.exact_args, item_ids))
    # Everyone left out scores below `cut` (their upper bound is below it): they cannot
    # enter a full list whose last score reaches `cut`, nor any list if nobody was left out.
    if cut is None or (len(rows) == filters.size and rows[-1]["score_micro"] >= cut):
        return rows
    return None


def _present(rows: Sequence[asyncpg.Record]) -> list[asyncpg.Record]:
    return [row for row in rows if row["content_id"] is not None]


# Whether a published item has a filter value. Each reads a partial index on published
# items: `category` the ranking's (content_type, category, …), content_type given both its
# values so the index's first two columns are bounded; `language` its own (migration 0016).
_HAS_VALUE = {
    "category": "SELECT EXISTS (SELECT 1 FROM catalog_items WHERE status = 'published'"
    " AND content_type = ANY('{PROGRAM,EPISODE}'::text[]) AND category = $1)",
    "language": "SELECT EXISTS (SELECT 1 FROM catalog_items WHERE status = 'published'"
    " AND language = $1)",
}


async def catalog_has(pool: asyncpg.Pool, column: str, value: str) -> bool:
    """Whether a published catalog item has `value` as its `column` ("category" or
    "language"). Raises PostgresUnavailable."""
    with translated_errors(doing="checking a list filter"):
        return bool(await pool.fetchval(_HAS_VALUE[column], value))
