"""What `mediamesh events simulate` generates (pure; simulation_repository draws it).

Realistic enough for the lists to mean something: popularity is Zipf-like over an order of
the published items drawn from what a real catalog knows about them (`Appeal`), most events
are views, some users come back, and a share of the events is "buzz" on a different order
(new releases weigh more) in the last 48 h, so trending differs from popular.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

CHUNK_EVENTS = 500_000


@dataclass(frozen=True)
class Appeal:
    """How likely an item is to be watched, from what a catalog knows of it (docs/RANKING.md):

        ln w = ln(exp(-age / recency_years) + classics) + detail·ln(1 + length / chars)
               + ln(1 + tags)

    `age`: years from the item's release (publishedAt, else when it joined the catalog) to
    the catalog's newest release (a vendored catalog ages, its newest films stay the new
    ones); `length`: of its description; `tags`: genres and cast. Items are ordered by
    ln w + noise·G, G a standard Gumbel draw per (seed, order, item): a Plackett-Luce draw
    with probabilities proportional to w^(1/noise), so the signals lead and chance mixes."""

    recency_years: float
    classics: float  # the floor of the recency factor: old films are still watched
    detail: float = 3.0
    chars: float = 200.0
    noise: float = 0.5


STEADY = Appeal(recency_years=3.0, classics=0.05)
BUZZ = Appeal(recency_years=1.0, classics=0.01)  # what people talk about: new releases


@dataclass(frozen=True)
class SimulationPlan:
    events: int
    days: int
    seed: int
    now: datetime
    view_share: float = 0.80
    complete_share: float = 0.15  # the rest are likes
    user_share: float = 0.65  # the rest are anonymous views/likes/completes
    buzz_share: float = 0.30

    @property
    def users(self) -> int:
        """Distinct user ids drawn from (Zipf-like, so heavy users repeat)."""
        return max(1_000, self.events // 50)

    @property
    def start(self) -> datetime:
        return self.now - timedelta(days=self.days)

    def chunk_seed(self, chunk: int) -> float:
        """PostgreSQL's setseed value for one chunk, in [-1, 1], from the plan's seed."""
        return random.Random(f"{self.seed}:{chunk}").uniform(-1.0, 1.0)

    def chunks(self, size: int = CHUNK_EVENTS) -> Iterator[tuple[int, int]]:
        """(chunk number, events in it) until `events` are covered."""
        for number, first in enumerate(range(0, self.events, size)):
            yield number, min(size, self.events - first)
