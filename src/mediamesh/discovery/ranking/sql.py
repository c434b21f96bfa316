"""The ranking SQL text and its arguments (pure; ranking_repository runs it).

Every aggregate yields (item_id, score_micro, views, likes, completes) per item from the
rollups only. Scores travel as integer micro-units: each hourly bucket's contribution is
rounded to 1e-6 before summing, so the sum is exact and independent of the order PostgreSQL
adds rows in; equal scores are truly equal and the contentId tie-break always applies.
Parameters: $1..$3 the view, like and complete weights; $4..$9 the ranked select's (below);
$10 on the window's.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from mediamesh.discovery.ranking import rollup_rows
from mediamesh.discovery.ranking.window_totals import Corrections
from mediamesh.discovery.ranking.windows import PopularWindow, TrendingWindow, trending_day_bounds

_WEIGHTED = "($1::float8 * views + $2::float8 * likes + $3::float8 * completes)"
_DECAY = "($11::float8[])[1 + (date_part('epoch', $10::timestamptz - bucket) / 3600)::int]"
_SUMS = "sum(views) AS views, sum(likes) AS likes, sum(completes) AS completes"

# $10 the newest hour, $11 the decay per age in hours, $12 the oldest hour: one range scan.
TRENDING = f"""
SELECT item_id, sum(round({_DECAY} * {_WEIGHTED} * 1e6)::bigint)::bigint AS score_micro, {_SUMS}
FROM engagement_hourly WHERE bucket >= $12 AND bucket <= $10 {{eligible}}
GROUP BY item_id
"""

# The same for the candidate items $14 only: one primary-key probe per (hour, candidate),
# the window's hours $13 (an array, so the planner knows there are 48 of them: with a
# generate_series it guessed 1,000 and scanned the whole hourly rollup), so its cost is
# candidates x hours whatever the catalog's size; a range scan of the window's rows with a
# membership test read every active item's hours (seconds at 1M items / 100M events).
TRENDING_FOR_ITEMS = f"""
SELECT item_id, sum(round({_DECAY} * {_WEIGHTED} * 1e6)::bigint)::bigint AS score_micro, {_SUMS}
FROM (
    SELECT h.* FROM unnest($14::bigint[]) AS c(item_id)
    CROSS JOIN LATERAL (
        SELECT * FROM engagement_hourly
        WHERE bucket = ANY($13::timestamptz[]) AND item_id = c.item_id
    ) AS h
) AS window_rows
WHERE $12::timestamptz IS NOT NULL  -- unused: the parameters stay TRENDING's
GROUP BY item_id
"""

# An upper bound of every item's trending score from the daily rollup ($8 first day,
# $9 each day's largest decay, $10 last day), plus $11 micro-units of slack for rounding.
TRENDING_BOUND = f"""
SELECT item_id,
       (ceil(sum(($9::float8[])[1 + (bucket - $8::date)] * {_WEIGHTED}) * 1e6) + $11)::bigint
           AS score_micro
FROM engagement_daily WHERE bucket >= $8 AND bucket <= $10 {{eligible}}
GROUP BY item_id
"""

# $10/$11 whole days, $12/$13 hourly buckets to add, $14..$17 two hourly ranges to subtract
# (see windows.PopularWindow): mostly the daily rollup, a few hours of the hourly one.
POPULAR = f"""
SELECT item_id, round(($1::float8 * sum(views) + $2::float8 * sum(likes)
                       + $3::float8 * sum(completes)) * 1e6)::bigint AS score_micro, {_SUMS}
FROM ({rollup_rows.popular_window(days=10, add=12, subtract=14)}
) AS in_window
WHERE true {{eligible}}
GROUP BY item_id
"""

# Trending's upper bounds from the window totals (ranking/window_totals.py): one row per
# item, each type's bound times $8 (window_totals.trend_scale), with $9 micro-units of slack
# for the exact score's per-hour rounding and a relative 1e-9 for float8 sums' rounding.
TRENDING_KEYS_BOUND = """
SELECT item_id,
       (ceil(($1::float8 * trend_views + $2::float8 * trend_likes
              + $3::float8 * trend_completes) * $8::float8 * 1e6 * (1 + 1e-9)) + $9)::bigint
           AS score_micro
FROM engagement_window_totals
WHERE (trend_views > 0 OR trend_likes > 0 OR trend_completes > 0) {eligible}
"""

# The same from the window totals (ranking/window_totals.py): one row per item active in the
# anchor's window, joined to its corrections (window_totals.Corrections: plus hours
# $10..$11, minus hours $12..$13), a few hours of rows. Not a GROUP BY over the union of both:
# aggregating the ~1M rows of the totals again spilled to disk at 1M items.
POPULAR_FROM_TOTALS = f"""
SELECT item_id, round({_WEIGHTED} * 1e6)::bigint AS score_micro, views, likes, completes
FROM (
    SELECT coalesce(t.item_id, d.item_id) AS item_id,
           coalesce(t.views, 0) + coalesce(d.views, 0) AS views,
           coalesce(t.likes, 0) + coalesce(d.likes, 0) AS likes,
           coalesce(t.completes, 0) + coalesce(d.completes, 0) AS completes
    FROM engagement_window_totals t
    FULL JOIN (
        SELECT item_id, {_SUMS} FROM ({rollup_rows.moved_hours(add=10, subtract=12)}
        ) AS moved
        GROUP BY item_id
    ) AS d ON d.item_id = t.item_id
) AS in_window
WHERE true {{eligible}}
"""

# Published items the filters allow ($4 type, $5 category, $6 language; NULL: any), read
# from the narrow catalog_items_ranking_idx. It filters the rollup rows before they are
# aggregated (a hash semi-join): PostgreSQL cannot estimate how many items an aggregate
# yields, and filtering its output picked a nested loop of one index probe per item.
_ELIGIBLE = """
    AND item_id IN (
        SELECT item_id FROM catalog_items
        WHERE status = 'published'
          AND ($4::text IS NULL OR content_type = $4)
          AND ($5::text IS NULL OR category = $5)
          AND ($6::text IS NULL OR language = $6))"""

# The ranked list around {aggregate}: $7 candidates, $8 episode cap, $9 list size. Only the
# best $7 scored items (ties at the cut included) are joined to the catalog, checked
# (published, program published, filters), capped and sorted in full. FETCH FIRST ... WITH
# TIES picks them in one top-N sort as the aggregate streams: a CTE of every scored item,
# cut by a second scan, materialised ~1M rows at 1M items (and spilled, misestimated).
_RANKED = """
WITH candidates AS MATERIALIZED (
    SELECT * FROM ({aggregate}) AS aggregated WHERE score_micro > 0
    ORDER BY score_micro DESC FETCH FIRST $7 ROWS WITH TIES
),
cut AS (SELECT 1 FROM candidates HAVING count(*) >= $7),
capped AS (
    SELECT c.content_id, c.content_type, coalesce(c.program_id, c.content_id) AS program_id,
           c.title, c.description, c.category, c.language,
           s.score_micro, s.views, s.likes, s.completes,
           row_number() OVER (PARTITION BY c.program_id
                              ORDER BY s.score_micro DESC, c.content_id COLLATE "C") AS nth
    FROM candidates s
    JOIN catalog_items c ON c.item_id = s.item_id
    LEFT JOIN catalog_items p ON p.content_id = c.program_id
    WHERE c.status = 'published' AND (c.program_id IS NULL OR p.status = 'published')
      AND ($4::text IS NULL OR c.content_type = $4)
      AND ($5::text IS NULL OR c.category = $5)
      AND ($6::text IS NULL OR c.language = $6)
)
SELECT f.was_cut, r.*
FROM (SELECT count(*) > 0 AS was_cut FROM cut) AS f
LEFT JOIN LATERAL (
    SELECT * FROM capped WHERE content_type = 'PROGRAM' OR nth <= $8
    ORDER BY score_micro DESC, content_id COLLATE "C"
    LIMIT $9
) AS r ON true
"""

# The pre-filter's candidates: the $7 best upper bounds (ties included) of the items the
# filters allow, and the bound at the cut (NULL when fewer than $7 items have one, i.e.
# nobody was left out). Echoing $4..$6 keeps one parameter list for filtered or not.
_BOUNDED = """
WITH picked AS MATERIALIZED (
    SELECT item_id, score_micro FROM ({bound}) AS bounds
    ORDER BY score_micro DESC FETCH FIRST $7 ROWS WITH TIES
)
SELECT CASE WHEN count(*) >= $7 THEN min(score_micro) END AS cut,
       array_agg(item_id) AS item_ids,
       $4::text AS content_type, $5::text AS category, $6::text AS language
FROM picked
"""


def ranked(aggregate: str, filtered: bool) -> str:
    """The ranking query around `aggregate`; `filtered` when type, category or language is."""
    eligible = _ELIGIBLE if filtered else ""
    return _RANKED.format(aggregate=aggregate.format(eligible=eligible))


def bounded(bound: str, filtered: bool) -> str:
    """Candidates by upper bound: $1..$7 as in `ranked`, the bound's own from $8. Unfiltered,
    unpublished items may take a few of the places; the ranking drops them, and the
    acceptance test (ranking_repository) notices when that leaves the list short."""
    return _BOUNDED.format(bound=bound.format(eligible=_ELIGIBLE if filtered else ""))


@dataclass(frozen=True)
class Prefilter:
    """Upper bounds to pick candidates, and the exact aggregate for a list of item ids."""

    bound: str
    bound_args: Sequence[object]
    exact: str
    exact_args: Sequence[object]  # the item ids are appended


@dataclass(frozen=True)
class TotalsWindow:
    """A window the window totals may serve: `hours` ending at hour `newest`; trending's
    has its half-life."""

    hours: int
    newest: datetime
    half_life_hours: float | None = None


@dataclass(frozen=True)
class Aggregate:
    sql: str
    args: Sequence[object]
    prefilter: Prefilter | None = None
    totals: TotalsWindow | None = None  # when set, read the totals if they can serve it


def trending(window: TrendingWindow, window_hours: int, half_life_hours: float) -> Aggregate:
    days = trending_day_bounds(window)
    newest, decays = window.buckets[0], list(window.decays)
    return Aggregate(
        TRENDING,
        [newest, decays, window.buckets[-1]],
        Prefilter(
            bound=TRENDING_BOUND,
            bound_args=[days.first, list(days.decays), days.last, window_hours + 1],
            exact=TRENDING_FOR_ITEMS,
            exact_args=[newest, decays, window.buckets[-1], list(window.buckets)],
        ),
        totals=TotalsWindow(window_hours, newest, half_life_hours),
    )


def with_trend_bounds(aggregate: Aggregate, scale: float, window_hours: int) -> Aggregate:
    """`aggregate` (trending's) with its pre-filter's bounds read from the window totals; as
    it is without a pre-filter (the full computation reads no bounds)."""
    if aggregate.prefilter is None:
        return dataclasses.replace(aggregate, totals=None)
    prefilter = dataclasses.replace(
        aggregate.prefilter, bound=TRENDING_KEYS_BOUND, bound_args=[scale, window_hours + 1]
    )
    return dataclasses.replace(aggregate, prefilter=prefilter, totals=None)


def popular(window: PopularWindow, newest: datetime, hours: int) -> Aggregate:
    (early, late) = window.subtract
    return Aggregate(
        POPULAR, [*window.days, *window.add, *early, *late], totals=TotalsWindow(hours, newest)
    )


def popular_from_totals(corrections: Corrections) -> Aggregate:
    c = corrections
    return Aggregate(POPULAR_FROM_TOTALS, [c.add_from, c.add_to, c.subtract_from, c.subtract_to])
