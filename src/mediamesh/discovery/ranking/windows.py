"""Which rollup buckets a list reads at a given moment, and with what weight. Pure.

A window of N hours is the current UTC hour and the N-1 before it: the lists move forward
once an hour, so a list computed at 10:05 and one computed at 10:55 read the same buckets.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


def current_hour(now: datetime) -> datetime:
    """The start of the UTC hour holding `now` (which must carry a time zone)."""
    if now.tzinfo is None:
        raise ValueError("`now` needs a time zone")
    return now.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


@dataclass(frozen=True)
class TrendingWindow:
    """Hourly buckets, newest first, each with its decay factor 2^(-age/half-life)."""

    buckets: tuple[datetime, ...]
    decays: tuple[float, ...]


def trending_window(now: datetime, window_hours: int, half_life_hours: float) -> TrendingWindow:
    """Age 0 is the current hour, age `window_hours - 1` the oldest bucket read."""
    newest = current_hour(now)
    ages = range(window_hours)
    return TrendingWindow(
        buckets=tuple(newest - age * HOUR for age in ages),
        decays=tuple(2.0 ** (-age / half_life_hours) for age in ages),
    )


@dataclass(frozen=True)
class PopularWindow:
    """The last 24·D hours, read mostly from the daily rollup: whole UTC days `days`
    (today included), plus the hourly buckets `add`, minus the hourly buckets `subtract`
    (the hours of the oldest day before the window, and today's hours after the current
    one, which only events slightly ahead of the clock fill). A partial oldest day is read
    by whichever is shorter: its hours in the window, or its day minus the hours before.
    Every range is half-open [from, to)."""

    days: tuple[date, date]
    add: tuple[datetime, datetime]
    subtract: tuple[tuple[datetime, datetime], tuple[datetime, datetime]]


def popular_window(now: datetime, window_days: int) -> PopularWindow:
    newest = current_hour(now)
    start = newest - (24 * window_days - 1) * HOUR
    first_midnight = start.replace(hour=0)
    tomorrow = newest.replace(hour=0) + DAY
    future = (newest + HOUR, tomorrow)
    if start.hour == 0 or 24 - start.hour > 12:
        return PopularWindow(
            days=(start.date(), tomorrow.date()),
            add=(start, start),
            subtract=((first_midnight, start), future),
        )
    next_midnight = first_midnight + DAY
    return PopularWindow(
        days=(next_midnight.date(), tomorrow.date()),
        add=(start, next_midnight),
        subtract=((start, start), future),
    )


@dataclass(frozen=True)
class DayBounds:
    """For each UTC day the trending window touches (oldest first, `first`..`last`), the
    largest decay of any of its hours inside the window: a day's total times that factor
    is at least what its hours add to a trending score (the pre-filter's upper bound)."""

    first: date
    last: date
    decays: tuple[float, ...]


def trending_day_bounds(window: TrendingWindow) -> DayBounds:
    newest, oldest = window.buckets[0], window.buckets[-1]
    days = (newest.date() - oldest.date()).days + 1
    decays = []
    for offset in range(days):
        day_end = datetime.combine(oldest.date(), datetime.min.time(), UTC) + (offset + 1) * DAY
        newest_in_day = min(newest, day_end - HOUR)
        decays.append(window.decays[int((newest - newest_in_day) / HOUR)])
    return DayBounds(oldest.date(), newest.date(), tuple(decays))
