"""Which buckets a list reads at a given moment (pure)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from mediamesh.discovery.ranking.windows import (
    current_hour,
    popular_window,
    trending_day_bounds,
    trending_window,
)

HOUR = timedelta(hours=1)


def at(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
    return datetime(2031, month, day, hour, minute, tzinfo=UTC)


def test_the_current_hour_is_utc() -> None:
    plus_two = datetime(2031, 3, 10, 14, 30, tzinfo=timezone(timedelta(hours=2)))
    assert current_hour(plus_two) == at(10, 12)
    with pytest.raises(ValueError, match="time zone"):
        current_hour(datetime(2031, 3, 10, 12, 30))


def test_trending_reads_the_current_hour_and_the_47_before() -> None:
    window = trending_window(at(10, 10, 30), 48, 6.0)
    assert window.buckets[0] == at(10, 10) and window.buckets[-1] == at(8, 11)
    assert len(window.buckets) == 48
    assert window.decays[:1] == (1.0,) and window.decays[6] == 0.5 and window.decays[12] == 0.25
    assert window.decays[47] == 2 ** (-47 / 6)


def test_trending_day_bounds_take_each_days_newest_hour_in_the_window() -> None:
    window = trending_window(at(10, 10, 30), 48, 6.0)
    bounds = trending_day_bounds(window)
    assert (bounds.first, bounds.last) == (date(2031, 3, 8), date(2031, 3, 10))
    # today: 10:00 (age 0); 9 March: 23:00 (age 11); 8 March: 23:00 (age 35)
    assert bounds.decays == (2 ** (-35 / 6), 2 ** (-11 / 6), 1.0)


def test_popular_with_a_long_partial_first_day_subtracts_its_early_hours() -> None:
    window = popular_window(at(10, 10, 30), 30)  # starts 8 Feb 11:00: 13 hours of that day
    assert window.days == (date(2031, 2, 8), date(2031, 3, 11))
    assert window.add[0] == window.add[1]
    assert window.subtract == ((at(8, 0, month=2), at(8, 11, month=2)), (at(10, 11), at(11, 0)))


def test_popular_with_a_short_partial_first_day_adds_its_hours() -> None:
    window = popular_window(at(10, 20, 5), 30)  # starts 8 Feb 21:00: 3 hours of that day
    assert window.days == (date(2031, 2, 9), date(2031, 3, 11))
    assert window.add == (at(8, 21, month=2), at(9, 0, month=2))
    assert window.subtract[0][0] == window.subtract[0][1]
    assert window.subtract[1] == (at(10, 21), at(11, 0))


def test_popular_starting_at_midnight_reads_whole_days() -> None:
    window = popular_window(at(10, 23, 59), 1)  # the 24 hours of 10 March
    assert window.days == (date(2031, 3, 10), date(2031, 3, 11))
    assert window.add[0] == window.add[1] and window.subtract[0][0] == window.subtract[0][1]
    assert window.subtract[1] == (at(11, 0), at(11, 0))


@pytest.mark.parametrize("hour", range(24))
def test_popular_covers_exactly_24_d_hours(hour: int) -> None:
    window = popular_window(at(10, hour, 30), 30)
    hours = (window.days[1] - window.days[0]).days * 24
    hours += (window.add[1] - window.add[0]) / HOUR
    hours -= sum((to - since) / HOUR for since, to in window.subtract)
    assert hours == 720
