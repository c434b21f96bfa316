"""Popular's window pre-summed per item (migration 0022; docs/RANKING.md, "Popular from
window totals").

Invariant: engagement_window_totals = the sums of engagement_hourly over the `hours` hours
ending at the anchor, per item (items whose sums are all zero may have no row). It holds
because everything that changes either side does so under the anchor row's lock:
- a writer of the rollups takes SHARE_LOCK, then adds its rows of the anchor's hours
  (`add_rows`) in the transaction that upserts them into the hourly rollup;
- `advance` takes the update lock and moves the anchor to the current hour: it adds the
  hours that entered the window and subtracts those that left, or rebuilds from the rollups
  when there is nothing to move from (first run, another window length, a long pause).
A list at hour C reads the totals and corrects them by `corrections` (the hours between the
anchor's window and C's), in one snapshot with the anchor (ranking/repository.py), so it is
exact whether or not the anchor is current.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import asyncpg

from mediamesh.discovery.ranking.windows import HOUR, current_hour, popular_window
from mediamesh.storage.postgres_errors import translated_errors
from mediamesh.storage.postgres_maintenance import vacuum_analyze

# Taken first by every writer of the rollups, held to its commit.
SHARE_LOCK = "SELECT 1 FROM engagement_window_anchor FOR SHARE"
_UPDATE_LOCK = "SELECT anchor, hours FROM engagement_window_anchor FOR UPDATE"
_READ = "SELECT anchor, hours FROM engagement_window_anchor"

_ADD = """
ON CONFLICT (item_id) DO UPDATE SET views = t.views + EXCLUDED.views,
    likes = t.likes + EXCLUDED.likes, completes = t.completes + EXCLUDED.completes"""


def add_rows(source: str) -> str:
    """SQL adding `source` rows (bucket, item_id, views, likes, completes) of the anchor's
    window to the totals, items in key order (the global lock order of repository.py)."""
    return f"""
INSERT INTO engagement_window_totals AS t (item_id, views, likes, completes)
SELECT s.item_id, sum(s.views), sum(s.likes), sum(s.completes)
FROM {source} s
JOIN engagement_window_anchor a
  ON s.bucket <= a.anchor AND s.bucket > a.anchor - make_interval(hours => a.hours)
GROUP BY s.item_id ORDER BY s.item_id
{_ADD}"""


# Move by whole hours: $1..$2 entered, $3..$4 left (half-open), in item order; returns the
# items left with nothing, to delete.
_MOVE = f"""
INSERT INTO engagement_window_totals AS t (item_id, views, likes, completes)
SELECT item_id, sum(views), sum(likes), sum(completes) FROM (
    SELECT item_id, views, likes, completes FROM engagement_hourly
    WHERE bucket >= $1 AND bucket < $2
    UNION ALL
    SELECT item_id, -views, -likes, -completes FROM engagement_hourly
    WHERE bucket >= $3 AND bucket < $4
) AS moved
GROUP BY item_id ORDER BY item_id
{_ADD}
RETURNING item_id, views = 0 AND likes = 0 AND completes = 0 AS empty"""

# Rebuild: the window ending at $5, mostly from the daily rollup (windows.PopularWindow):
# whole days $1..$2, plus hours $3..$4, minus hours $6..$7 and $8..$9.
_REBUILD = """
INSERT INTO engagement_window_totals (item_id, views, likes, completes)
SELECT item_id, sum(views), sum(likes), sum(completes) FROM (
    SELECT item_id, views, likes, completes FROM engagement_daily
    WHERE bucket >= $1 AND bucket < $2
    UNION ALL
    SELECT item_id, views, likes, completes FROM engagement_hourly
    WHERE bucket >= $3 AND bucket < $4
    UNION ALL
    SELECT item_id, -views, -likes, -completes FROM engagement_hourly
    WHERE (bucket >= $6 AND bucket < $7) OR (bucket >= $8 AND bucket < $9)
) AS in_window
WHERE $5::timestamptz IS NOT NULL
GROUP BY item_id
HAVING sum(views) <> 0 OR sum(likes) <> 0 OR sum(completes) <> 0
"""


MAX_LAG = timedelta(hours=24)


@dataclass(frozen=True)
class Anchor:
    anchor: datetime | None
    hours: int | None


@dataclass(frozen=True)
class Corrections:
    """What to add to and subtract from the totals for the window ending at another hour:
    hourly buckets in [add_from, add_to) and [subtract_from, subtract_to)."""

    add_from: datetime
    add_to: datetime
    subtract_from: datetime
    subtract_to: datetime


def corrections(anchor: Anchor, hours: int, newest: datetime) -> Corrections | None:
    """The corrections for the `hours`-hour window ending at hour `newest`, or None when the
    totals cannot serve it: not built, another length, or more than MAX_LAG apart (reading
    more hours than that costs more than the daily rollups' way)."""
    if anchor.anchor is None or anchor.hours != hours:
        return None
    length = timedelta(hours=hours)
    if abs(newest - anchor.anchor) >= min(length, MAX_LAG):
        return None
    start, anchor_start = newest - length + HOUR, anchor.anchor - length + HOUR
    if newest >= anchor.anchor:  # hours after the anchor entered, the oldest ones left
        return Corrections(anchor.anchor + HOUR, newest + HOUR, anchor_start, start)
    # a clock behind the anchor's: its window still holds hours the anchor's dropped
    return Corrections(start, anchor_start, newest + HOUR, anchor.anchor + HOUR)


async def read_anchor(conn: asyncpg.Connection) -> Anchor:
    row = await conn.fetchrow(_READ)
    return Anchor(row["anchor"], row["hours"]) if row else Anchor(None, None)


@dataclass(frozen=True)
class Advanced:
    moved_hours: int  # 0 when already current
    rebuilt: bool


async def advance(conn: asyncpg.Connection, now: datetime, days: int) -> Advanced:
    """Move the totals to the window of `days` days ending at `now`'s hour (never
    backwards); rebuild them when they cannot be moved. Raises PostgresUnavailable."""
    newest, hours = current_hour(now), 24 * days
    with translated_errors(doing="moving the popular window totals"):
        async with conn.transaction():
            row = await conn.fetchrow(_UPDATE_LOCK)
            anchor = Anchor(row["anchor"], row["hours"])
            if anchor.hours == hours and anchor.anchor is not None and anchor.anchor >= newest:
                return Advanced(0, rebuilt=False)
            moves = corrections(anchor, hours, newest)
            if moves is None:
                # DELETE, not TRUNCATE: a list's snapshot taken before this commits must
                # still read the old totals (TRUNCATE is not MVCC-safe); vacuumed below
                await conn.execute("DELETE FROM engagement_window_totals")
                window = popular_window(newest, days)
                (early, late) = window.subtract
                await conn.execute(_REBUILD, *window.days, *window.add, newest, *early, *late)
                moved, rebuilt = hours, True
            else:
                touched = await conn.fetch(
                    _MOVE, moves.add_from, moves.add_to, moves.subtract_from, moves.subtract_to
                )
                empty = [r["item_id"] for r in touched if r["empty"]]
                if empty:
                    await conn.execute(
                        "DELETE FROM engagement_window_totals WHERE item_id = ANY($1::bigint[])"
                        " AND views = 0 AND likes = 0 AND completes = 0",
                        empty,
                    )
                assert anchor.anchor is not None
                moved, rebuilt = int((newest - anchor.anchor) / HOUR), False
            await conn.execute(
                "UPDATE engagement_window_anchor SET anchor = $1, hours = $2", newest, hours
            )
        # the rows each move (and every fold since the last) updated, reclaimed: autovacuum
        # may be off; once an hour, ~1 s at 1M items. And the planner's statistics.
        await vacuum_analyze(conn, "engagement_window_totals")
    return Advanced(moved, rebuilt)
