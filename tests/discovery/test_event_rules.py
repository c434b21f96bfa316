"""Which events are accepted, and how a refusal names the event (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from mediamesh.discovery.events.models import AcceptedTimes, Engagement, EventIn, EventType, checked
from mediamesh.errors import InvalidInput
from mediamesh.settings import Settings

NOW = datetime(2031, 3, 10, 10, 30, tzinfo=UTC)
TIMES = AcceptedTimes(max_age=timedelta(days=30), max_skew=timedelta(seconds=60))
US = timedelta(microseconds=1)


def event(**fields: object) -> EventIn:
    return EventIn.model_validate({"contentId": "c1", "type": "view", **fields})


def test_the_accepted_span_is_the_longest_window_and_the_clock_skew() -> None:
    times = AcceptedTimes.from_settings(Settings(events_max_clock_skew_seconds=5))
    assert times == AcceptedTimes(max_age=timedelta(days=30), max_skew=timedelta(seconds=5))
    longer_trending = Settings(trending_window_hours=24 * 10, popular_window_days=7)
    assert AcceptedTimes.from_settings(longer_trending).max_age == timedelta(days=10)


@pytest.mark.parametrize("at", [NOW + TIMES.max_skew, NOW - TIMES.max_age])
def test_the_edges_are_accepted(at: datetime) -> None:
    result = checked(0, event(occurredAt=at.isoformat(), userId="u"), 7, TIMES, NOW)
    assert result == Engagement(7, EventType.VIEW, at, "u")


def test_occurred_at_defaults_to_now_and_is_stored_in_utc() -> None:
    assert checked(0, event(type="like"), 7, TIMES, NOW).occurred_at == NOW
    paris = checked(0, event(occurredAt="2031-03-10T11:00:00+01:00"), 7, TIMES, NOW)
    assert paris.occurred_at == datetime(2031, 3, 10, 10, tzinfo=UTC)
    assert paris.occurred_at.tzinfo is UTC


@pytest.mark.parametrize(
    ("fields", "item_id", "message"),
    [
        ({"type": "share"}, 7, "type 'share' is not one of view, like, complete"),
        ({"occurredAt": (NOW + TIMES.max_skew + US).isoformat()}, 7, "is in the future"),
        ({"occurredAt": (NOW - TIMES.max_age - US).isoformat()}, 7, "older than the longest"),
        ({"occurredAt": "2031-03-10T10:00:00"}, 7, "needs a time zone"),
        ({}, None, "no catalog item has this contentId (or it was deleted)"),
    ],
)
def test_refusals_name_the_event(
    fields: dict[str, object], item_id: int | None, message: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        checked(4, event(**fields), item_id, TIMES, NOW)
    assert refused.value.message.startswith("events[4] (contentId 'c1'): ")
    assert message in refused.value.message
