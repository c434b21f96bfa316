"""SQL fragments over the rollups that the ranking queries (sql.py) and the window totals
(window_totals.py) share: rows (item_id, views, likes, completes) whose sums per item are
what a window holds. Pure; each takes the numbers of its parameters."""

from __future__ import annotations


def popular_window(days: int, add: int, subtract: int) -> str:
    """Popular's window (windows.PopularWindow), mostly from the daily rollup: whole days
    $days..$days+1, plus hourly buckets $add..$add+1, minus hourly buckets in
    $subtract..$subtract+1 or $subtract+2..$subtract+3 (every range half-open)."""
    return f"""
    SELECT item_id, views, likes, completes FROM engagement_daily
    WHERE bucket >= ${days} AND bucket < ${days + 1}
    UNION ALL
    SELECT item_id, views, likes, completes FROM engagement_hourly
    WHERE bucket >= ${add} AND bucket < ${add + 1}
    UNION ALL
    SELECT item_id, -views, -likes, -completes FROM engagement_hourly
    WHERE (bucket >= ${subtract} AND bucket < ${subtract + 1})
       OR (bucket >= ${subtract + 2} AND bucket < ${subtract + 3})"""


def moved_hours(add: int, subtract: int) -> str:
    """Hourly buckets $add..$add+1 added, $subtract..$subtract+1 subtracted (half-open)."""
    return f"""
    SELECT item_id, views, likes, completes FROM engagement_hourly
    WHERE bucket >= ${add} AND bucket < ${add + 1}
    UNION ALL
    SELECT item_id, -views, -likes, -completes FROM engagement_hourly
    WHERE bucket >= ${subtract} AND bucket < ${subtract + 1}"""
