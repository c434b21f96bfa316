"""Computing trending and popular lists in PostgreSQL (the cold path of the chain)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg

from mediamesh.discovery.models import ListKind, ListQuery, RankedItem
from mediamesh.settings import Settings


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
    def version(self) -> str:
        raise NotImplementedError  # issue 3: a short stable hash of the fields


async def compute_list(
    pool: asyncpg.Pool, kind: ListKind, query: ListQuery, params: RankingParams, now: datetime
) -> list[RankedItem]:
    """The top LIST_SIZE published items of `kind` for `query` at `now`, ranked 1..n."""
    raise NotImplementedError  # issue 3
