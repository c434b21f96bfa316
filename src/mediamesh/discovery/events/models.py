"""Engagement events: the body of POST /v1/discovery/events and the rules an event must meet.
Pure: no I/O (ingestion.py stores them)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from mediamesh.content import ContentId, Text
from mediamesh.errors import InvalidInput
from mediamesh.settings import Settings

MAX_EVENTS_PER_REQUEST = 1000


class EventType(StrEnum):
    VIEW = "view"
    LIKE = "like"
    COMPLETE = "complete"


class EventIn(BaseModel):
    """One event as a client sends it. `type` and `occurredAt` are checked by `checked` (not
    by the model) so that the error names the event's index and contentId."""

    model_config = ConfigDict(extra="forbid")

    contentId: ContentId
    type: Annotated[str, Field(max_length=32)]
    occurredAt: datetime | None = Field(default=None, description="ISO-8601; default: now")
    userId: Annotated[Text, Field(min_length=1, max_length=128)] | None = None


class EventBatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    events: Annotated[list[EventIn], Field(min_length=1, max_length=MAX_EVENTS_PER_REQUEST)]


@dataclass(frozen=True)
class Engagement:
    """A validated event, ready to store."""

    item_id: int
    type: EventType
    occurred_at: datetime
    user_id: str | None


@dataclass(frozen=True)
class AcceptedTimes:
    """Events may be at most `max_age` old (the longest list window: older ones could never
    count) and at most `max_skew` ahead of the server clock (clients' clocks drift)."""

    max_age: timedelta
    max_skew: timedelta

    @classmethod
    def from_settings(cls, settings: Settings) -> AcceptedTimes:
        return cls(
            max_age=max(
                timedelta(hours=settings.trending_window_hours),
                timedelta(days=settings.popular_window_days),
            ),
            max_skew=timedelta(seconds=settings.events_max_clock_skew_seconds),
        )

    def bounds(self, now: datetime) -> tuple[datetime, datetime]:
        """The oldest and the newest accepted occurredAt at `now`, both included."""
        return now - self.max_age, now + self.max_skew


def checked(
    index: int, event: EventIn, item_id: int | None, times: AcceptedTimes, now: datetime
) -> Engagement:
    """The event as stored, or InvalidInput naming `events[index]` and its contentId."""

    def reject(problem: str) -> InvalidInput:
        return InvalidInput(f"events[{index}] (contentId {event.contentId!r}): {problem}")

    if event.type not in EventType.__members__.values():
        raise reject(f"type {event.type!r} is not one of view, like, complete")
    occurred = now if event.occurredAt is None else event.occurredAt
    if occurred.tzinfo is None:
        raise reject("occurredAt needs a time zone, e.g. 2024-01-16T12:00:00Z")
    if occurred > now + times.max_skew:
        raise reject(
            f"occurredAt {occurred.isoformat()} is in the future "
            f"(more than {times.max_skew.total_seconds():.0f} s ahead of the server clock)"
        )
    if occurred < now - times.max_age:
        raise reject(
            f"occurredAt {occurred.isoformat()} is older than the longest list window "
            f"({times.max_age}); it could never count"
        )
    if item_id is None:
        raise reject("no catalog item has this contentId (or it was deleted)")
    return Engagement(item_id, EventType(event.type), occurred.astimezone(UTC), event.userId)


def month_of(moment: datetime) -> date:
    return moment.astimezone(UTC).date().replace(day=1)


def months_between(first: datetime, last: datetime) -> list[date]:
    """The first day of every UTC month from `first`'s to `last`'s, both included."""
    month, end = month_of(first), month_of(last)
    months = []
    while month <= end:
        months.append(month)
        month = (month + timedelta(days=32)).replace(day=1)
    return months


class KnownPartitions:
    """Months whose raw-event partition this process has confirmed in one database, so that
    ingestion runs partition DDL the first time it meets a month, not on every request."""

    def __init__(self) -> None:
        self._months: set[date] = set()

    def missing(self, months: Iterable[date]) -> set[date]:
        return set(months) - self._months

    def add(self, months: Iterable[date]) -> None:
        self._months.update(months)
