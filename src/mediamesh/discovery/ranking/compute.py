"""Computing trending and popular lists in PostgreSQL (the cold path of the chain).

The formulas are in docs/RANKING.md; the SQL is in ranking_repository, the windows (which
buckets, which decay) in windows.
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass
from datetime import datetime

import asyncpg
import orjson

from mediamesh.discovery.models import (
    LIST_SIZE,
    ListContentType,
    ListKind,
    ListQuery,
    RankedItem,
    Stats,
)
from mediamesh.discovery.ranking import repository, window_totals
from mediamesh.discovery.ranking import sql as ranking_sql
from mediamesh.discovery.ranking.windows import current_hour, popular_window, trending_window
from mediamesh.settings import Settings

# Bump when the formula changes in code (not through settings): cached lists carry
# `RankingParams.version`, so lists computed by the old code are never served.
FORMULA_REVISION = 1

# How many of the best items are ranked in full (see ranking_repository): 3x the list is
# plenty unless a few programs own nearly all the engagement, and the fallbacks keep the
# result exact even then. Measured at 100k items / 10M events, the trending pre-filter
# accepted its first pick with a wide margin (the 100th score was 4x the bound at the cut).
CANDIDATES = 3 * LIST_SIZE


@dataclass(frozen=True)
class RankingParams:
    """Everything the formula depends on; `version` changes whenever any of it does, so
    cached lists computed under an old formula are never served (it is part of every key)."""

    trending_window_hours: int
    trending_half_life_hours: float
    popular_window_days: int
    weight_view: float
    weight_like: float
    weight_complete: float
    max_episodes_per_program: int

    @classmethod
    def from_settings(cls, settings: Settings) -> RankingParams:
        return cls(
            trending_window_hours=settings.trending_window_hours,
            trending_half_life_hours=settings.trending_half_life_hours,
            popular_window_days=settings.popular_window_days,
            weight_view=settings.event_weight_view,
            weight_like=settings.event_weight_like,
            weight_complete=settings.event_weight_complete,
            max_episodes_per_program=settings.max_episodes_per_program,
        )

    @property
    def totals_windows(self) -> window_totals.Windows:
        """What the window totals are built for (ranking/window_totals.py)."""
        return window_totals.Windows(
            self.popular_window_days, self.trending_window_hours, self.trending_half_life_hours
        )

    @property
    def version(self) -> str:
        """12 hex digits of a SHA-256 over the formula revision and every field.

        Stable across processes and runs (never Python's salted `hash`); numbers are
        normalised so that 6 and 6.0 hours give the same version.
        """
        fields = {
            f.name: float(value) if isinstance(value, int | float) else value
            for f in dataclasses.fields(self)
            for value in [getattr(self, f.name)]
        }
        canonical = orjson.dumps(
            {"formula": FORMULA_REVISION, **fields}, option=orjson.OPT_SORT_KEYS
        )
        return hashlib.sha256(canonical).hexdigest()[:12]


async def compute_list(
    pool: asyncpg.Pool, kind: ListKind, query: ListQuery, params: RankingParams, now: datetime
) -> list[RankedItem]:
    """The top LIST_SIZE published items of `kind` for `query` at `now`, ranked 1..n.

    Best score first, then contentId ascending (byte order). Only items with a positive score
    in the window appear, so a list may be shorter than LIST_SIZE (or empty).
    Raises PostgresUnavailable when PostgreSQL fails or exceeds its statement timeout.
    """
    if kind is ListKind.TRENDING:
        window = trending_window(now, params.trending_window_hours, params.trending_half_life_hours)
        aggregate = ranking_sql.trending(
            window, params.trending_window_hours, params.trending_half_life_hours
        )
    else:
        days = params.popular_window_days
        aggregate = ranking_sql.popular(popular_window(now, days), current_hour(now), 24 * days)
    filters = repository.Filters(
        content_type=None
        if query.content_type is ListContentType.ALL
        else query.content_type.value,
        category=query.category,
        language=query.language,
        max_episodes_per_program=params.max_episodes_per_program,
        size=LIST_SIZE,
    )
    weights = (params.weight_view, params.weight_like, params.weight_complete)
    rows = await repository.top_items(pool, aggregate, weights, filters, CANDIDATES)
    return [
        RankedItem(
            rank=rank,
            content_id=row["content_id"],
            content_type=row["content_type"],
            program_id=row["program_id"],
            title=row["title"],
            description=row["description"],
            category=row["category"],
            language=row["language"],
            score=row["score_micro"] / 1_000_000,
            stats=Stats(views=row["views"], likes=row["likes"], completes=row["completes"]),
        )
        for rank, row in enumerate(rows, start=1)
    ]
