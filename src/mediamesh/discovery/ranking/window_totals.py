"""The rollups pre-summed per item (migration 0022; docs/RANKING.md, the window totals): one
row per item that popular reads instead of ~30 daily rows, and that trending's pre-filter
reads its upper bounds from instead of ~3 daily rows.

Invariants, per item (an item whose sums are all zero may have no row):
- views/likes/completes = the sums of engagement_hourly over the `hours` hours ending at the
  anchor;
- trend_* = the sums over every hour h >= trend_since of count(h) * 2^((h - ref) / half
  life), so that times 2^(-(now - ref) / half life) they bound any trending score's share.
They hold because everything that changes either side does so under the anchor row's lock:
- a writer of the rollups takes SHARE_LOCK, then adds its rows (`add_rows`) in the
  transaction that upserts them into the hourly rollup;
- `advance` takes the update lock and moves the anchor to the current hour (adding the hours
  that entered the window, subtracting those that left), or rebuilds everything from the
  rollups when there is nothing to move from (first run, other settings, a long pause).
A list at hour C reads the anchor and the totals in one snapshot (ranking/repository.py):
popular corrects the sums by the hours between the anchor's window and C's
(`corrections`); trending scales the bounds (`trend_scale`). Both are exact whether or not
the anchor is current.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

import asyncpg

from mediamesh.discovery.ranking import rollup_rows
from mediamesh.discovery.ranking.windows import HOUR, current_hour, popular_window
from mediamesh.storage.postgres_errors import translated_errors
from mediamesh.storage.postgres_maintenance import vacuum_analyze

MAX_LAG = timedelta(hours=24)  # beyond this, reading hours costs more than the rollups' way
# The bounds' powers of two stay far from float8's range (2^±1023): hours HORIZON or more
# half-lives from the reference are left out of them, and a move re-bases the reference once
# it is REBASE half-lives old, so no hour a writer meets (now, give or take the accepted
# skew) comes near the horizon ahead, and a list at such an hour does not use them. An hour
# left out behind adds at most 2^-(HORIZON - lag) of its count to any score the bounds serve:
# nothing once rounded to micro-units, given a half-life of MIN_HALF_LIFE_HOURS or more.
HORIZON = 600
REBASE = 300
MIN_HALF_LIFE_HOURS = 1.0

# Taken first by every writer of the rollups, held to its commit.
SHARE_LOCK = "SELECT 1 FROM engagement_window_anchor FOR SHARE"
_COLUMNS = "anchor, hours, trend_reference, trend_half_life, trend_since"
_UPDATE_LOCK = f"SELECT {_COLUMNS} FROM engagement_window_anchor FOR UPDATE"
_READ = f"SELECT {_COLUMNS} FROM engagement_window_anchor"

_ADD = """
ON CONFLICT (item_id) DO UPDATE SET views = t.views + EXCLUDED.views,
    likes = t.likes + EXCLUDED.likes, completes = t.completes + EXCLUDED.completes,
    trend_views = t.trend_views + EXCLUDED.trend_views,
    trend_likes = t.trend_likes + EXCLUDED.trend_likes,
    trend_completes = t.trend_completes + EXCLUDED.trend_completes"""
_IN_WINDOW = "s.bucket <= a.anchor AND s.bucket > a.anchor - make_interval(hours => a.hours)"
_GROWTH = (
    "power(2::float8, extract(epoch FROM s.bucket - a.trend_reference)::float8"
    " / 3600 / a.trend_half_life)"
)
_IN_HORIZON = (  # PostgreSQL raises on float8 underflow and overflow: both sides bounded
    f"abs(extract(epoch FROM s.bucket - a.trend_reference)) < {HORIZON} * a.trend_half_life * 3600"
)
_BOUNDS = ", ".join(
    f"coalesce(sum(s.{column} * {_GROWTH}) FILTER (WHERE {_IN_HORIZON}), 0)"
    for column in ("views", "likes", "completes")
)


def add_rows(source: str) -> str:
    """SQL adding `source` rows (bucket, item_id, views, likes, completes) to the totals:
    the anchor's window's to the sums, every hour's to the bounds; items in key order (the
    global lock order of events/repository.py)."""
    return f"""
INSERT INTO engagement_window_totals AS t
    (item_id, views, likes, completes, trend_views, trend_likes, trend_completes)
SELECT s.item_id,
       coalesce(sum(s.views) FILTER (WHERE {_IN_WINDOW}), 0),
       coalesce(sum(s.likes) FILTER (WHERE {_IN_WINDOW}), 0),
       coalesce(sum(s.completes) FILTER (WHERE {_IN_WINDOW}), 0),
       {_BOUNDS}
FROM {source} s JOIN engagement_window_anchor a ON a.anchor IS NOT NULL
GROUP BY s.item_id ORDER BY s.item_id
{_ADD}"""


# Move by whole hours: $1..$2 entered, $3..$4 left (half-open), in item order (the bounds
# add nothing: their columns default to 0).
_MOVE = f"""
INSERT INTO engagement_window_totals AS t (item_id, views, likes, completes)
SELECT item_id, sum(views), sum(likes), sum(completes)
FROM ({rollup_rows.moved_hours(add=1, subtract=3)}
) AS moved
GROUP BY item_id ORDER BY item_id
{_ADD}"""

# Rebuild, the sums: the window mostly from the daily rollup (windows.PopularWindow): whole
# days $1..$2, plus hours $3..$4, minus hours $5..$8.
_REBUILD_SUMS = f"""
INSERT INTO engagement_window_totals (item_id, views, likes, completes)
SELECT item_id, sum(views), sum(likes), sum(completes)
FROM ({rollup_rows.popular_window(days=1, add=3, subtract=5)}
) AS in_window
GROUP BY item_id
HAVING sum(views) <> 0 OR sum(likes) <> 0 OR sum(completes) <> 0
"""

# Rebuild, the bounds: every hour from trend_since on (the anchor row already updated).
_REBUILD_BOUNDS = f"""
INSERT INTO engagement_window_totals AS t
    (item_id, views, likes, completes, trend_views, trend_likes, trend_completes)
SELECT s.item_id, 0, 0, 0, {_BOUNDS}
FROM engagement_hourly s JOIN engagement_window_anchor a ON s.bucket >= a.trend_since
GROUP BY s.item_id ORDER BY s.item_id
{_ADD}"""

_REBASE = """
UPDATE engagement_window_totals
SET trend_views = trend_views * $1, trend_likes = trend_likes * $1,
    trend_completes = trend_completes * $1
"""


@dataclass(frozen=True)
class Anchor:
    anchor: datetime | None
    hours: int | None
    trend_reference: datetime | None = None
    trend_half_life: float | None = None
    trend_since: datetime | None = None

    @property
    def first_hour(self) -> datetime | None:
        """The oldest hour the sums hold (None: not built)."""
        if self.anchor is None or self.hours is None:
            return None
        return self.anchor - (self.hours - 1) * HOUR


@dataclass(frozen=True)
class Corrections:
    """What to add to and subtract from the sums for the window ending at another hour:
    hourly buckets in [add_from, add_to) and [subtract_from, subtract_to)."""

    add_from: datetime
    add_to: datetime
    subtract_from: datetime
    subtract_to: datetime


def corrections(anchor: Anchor, hours: int, newest: datetime) -> Corrections | None:
    """The corrections for the `hours`-hour window ending at hour `newest`, or None when the
    sums cannot serve it: not built, another length, or MAX_LAG or more apart."""
    if anchor.anchor is None or anchor.hours != hours:
        return None
    length = timedelta(hours=hours)
    if abs(newest - anchor.anchor) >= min(length, MAX_LAG):
        return None
    start, anchor_start = newest - length + HOUR, anchor.first_hour
    assert anchor_start is not None
    if newest >= anchor.anchor:  # hours after the anchor entered, the oldest ones left
        return Corrections(anchor.anchor + HOUR, newest + HOUR, anchor_start, start)
    # a clock behind the anchor's: its window still holds hours the anchor's dropped
    return Corrections(start, anchor_start, newest + HOUR, anchor.anchor + HOUR)


def trend_scale(
    anchor: Anchor, window_hours: int, half_life_hours: float, newest: datetime
) -> float | None:
    """The factor that turns the bounds into bounds of the trending scores of the window of
    `window_hours` ending at hour `newest`, or None when they cannot serve it (not built,
    another half-life, or hours of the window before what they cover)."""
    if (
        anchor.anchor is None
        or anchor.trend_reference is None
        or anchor.trend_since is None
        or anchor.trend_half_life != half_life_hours
        or half_life_hours < MIN_HALF_LIFE_HOURS
        or newest - (window_hours - 1) * HOUR < anchor.trend_since
        or abs(newest - anchor.anchor) >= MAX_LAG
        or (newest - anchor.trend_reference) / HOUR >= HORIZON * half_life_hours
    ):
        return None
    age_hours = (newest - anchor.trend_reference) / HOUR
    return math.pow(2.0, -age_hours / half_life_hours)


async def read_anchor(conn: asyncpg.Connection) -> Anchor:
    row = await conn.fetchrow(_READ)
    return Anchor(*row.values()) if row else Anchor(None, None)


@dataclass(frozen=True)
class Advanced:
    moved_hours: int  # 0 when already current
    rebuilt: bool


@dataclass(frozen=True)
class Windows:
    """The settings the totals are built for (compute.RankingParams.totals_windows)."""

    popular_days: int
    trending_hours: int
    half_life_hours: float


async def advance(conn: asyncpg.Connection, now: datetime, windows: Windows) -> Advanced:
    """Move the totals to the popular window ending at `now`'s hour (never backwards);
    rebuild them when they cannot be moved. Raises PostgresUnavailable."""
    days, half_life_hours = windows.popular_days, windows.half_life_hours
    newest, hours = current_hour(now), 24 * days
    with translated_errors(doing="moving the window totals"):
        async with conn.transaction():
            anchor = Anchor(*(await conn.fetchrow(_UPDATE_LOCK)).values())
            same_settings = anchor.hours == hours and anchor.trend_half_life == half_life_hours
            if same_settings and anchor.anchor is not None and anchor.anchor >= newest:
                return Advanced(0, rebuilt=False)
            moves = corrections(anchor, hours, newest) if same_settings else None
            if moves is None:
                await _rebuild(conn, newest, windows)
                moved, rebuilt = hours, True
            else:
                await conn.execute(
                    _MOVE, moves.add_from, moves.add_to, moves.subtract_from, moves.subtract_to
                )
                assert anchor.anchor is not None and anchor.trend_reference is not None
                age_hours = (newest - anchor.trend_reference) / HOUR
                if age_hours >= REBASE * half_life_hours:
                    await conn.execute(_REBASE, math.pow(2.0, -age_hours / half_life_hours))
                    await conn.execute(
                        "UPDATE engagement_window_anchor SET trend_reference = $1", newest
                    )
                moved, rebuilt = int((newest - anchor.anchor) / HOUR), False
                await conn.execute("UPDATE engagement_window_anchor SET anchor = $1", newest)
        # the rows each move (and every fold since the last) updated, reclaimed: autovacuum
        # may be off; once an hour, ~1 s at 1M items. And the planner's statistics.
        await vacuum_analyze(conn, "engagement_window_totals")
    return Advanced(moved, rebuilt)


async def _rebuild(conn: asyncpg.Connection, newest: datetime, windows: Windows) -> None:
    # DELETE, not TRUNCATE: a list's snapshot taken before this commits must still read the
    # old totals (TRUNCATE is not MVCC-safe); the vacuum after the move reclaims them
    await conn.execute("DELETE FROM engagement_window_totals")
    window = popular_window(newest, windows.popular_days)
    (early, late) = window.subtract
    await conn.execute(_REBUILD_SUMS, *window.days, *window.add, *early, *late)
    await conn.execute(
        "UPDATE engagement_window_anchor SET anchor = $1, hours = $2, trend_reference = $1,"
        " trend_half_life = $3, trend_since = $4",
        newest,
        24 * windows.popular_days,
        windows.half_life_hours,
        # the bounds cover every window a list may ask of them (MAX_LAG behind the anchor)
        newest - (windows.trending_hours - 1) * HOUR - MAX_LAG,
    )
    await conn.execute(_REBUILD_BOUNDS)
