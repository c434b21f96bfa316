"""The fast path's check of a POST /v1/discovery/events body (pure).

A profile of the route put most of its time in parsing and validating the body (stdlib JSON,
then pydantic with a Python validator per field) rather than in storing it. Most batches are
plain: canonical JSON of known fields, ASCII-safe timestamps, nothing to report. For those,
`plain_batch_size` checks the structure with orjson and a few regular expressions, and
PostgreSQL reads the same text (events_repository.store). It accepts only bodies that the
model (events.EventBatch) accepts with the same values, so storing them directly is what the
route would have done; anything else (unusual formats, any mistake) returns None, and the
route's full validation handles it, with its own error messages.

Its limits come from the model's definitions (field names, lengths, the number of events, the
event types): `_SHAPE` states what the check below understands of each field, and if the
model says anything else (another field, a field made required, another validator…), the
fast path turns itself off (UNDERSTOOD is False: every body takes the full path, and
tests/discovery/test_plain_batch.py fails until this module is brought up to date).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Collection
from dataclasses import dataclass, fields
from datetime import datetime
from types import NoneType, UnionType
from typing import Annotated, Any, Union, get_args, get_origin

import orjson
from annotated_types import MaxLen, MinLen
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from mediamesh.content import ContentId, Text
from mediamesh.discovery.events.models import EventBatch, EventIn, EventType


@dataclass(frozen=True)
class _Rules:
    """What a model requires of one field: its type, whether it may be absent (and then its
    default) or null, its length bounds, and any other validation (validator functions,
    strictness, patterns…)."""

    type: Any
    required: bool
    default: object
    nullable: bool
    min_length: int
    max_length: int | None
    others: tuple[object, ...]

    @property
    def shape(self) -> tuple[Any, bool, object, bool, tuple[object, ...]]:
        return self.type, self.required, self.default, self.nullable, self.others

    @property
    def quantifier(self) -> str:
        """The length bounds as a regular expression's."""
        return f"{{{self.min_length},{'' if self.max_length is None else self.max_length}}}"

    def fits(self, length: int) -> bool:
        return self.min_length <= length and (self.max_length is None or length <= self.max_length)


def _rules(field: FieldInfo) -> _Rules:
    annotation, args = field.annotation, get_args(field.annotation)
    nullable = get_origin(annotation) in (Union, UnionType) and NoneType in args
    if nullable and len(args) == 2:  # X | None
        annotation = next(a for a in args if a is not NoneType)
    base, metadata = _split(annotation, field.metadata)
    min_lengths = [m.min_length for m in metadata if isinstance(m, MinLen)]
    max_lengths = [m.max_length for m in metadata if isinstance(m, MaxLen)]
    required = field.is_required()
    return _Rules(
        base,
        required,
        None if required else field.get_default(call_default_factory=True),
        nullable,
        max(min_lengths, default=0),
        min(max_lengths, default=None),
        _others(metadata),
    )


def _split(annotation: Any, metadata: list[Any]) -> tuple[Any, list[Any]]:
    """The base type of an (Annotated) annotation, and all its metadata, flattened."""
    if get_origin(annotation) is Annotated:
        annotation, *extra = get_args(annotation)
        metadata = [*metadata, *extra]
    flat: list[Any] = []
    for item in metadata:
        flat.extend(item.metadata if isinstance(item, FieldInfo) else [item])
    return annotation, flat


def _others(metadata: list[Any]) -> tuple[object, ...]:
    """The rules beyond the length bounds."""
    return tuple(m for m in metadata if not isinstance(m, MinLen | MaxLen))


def _keyed(model: type[BaseModel]) -> dict[object, _Rules]:
    """The model's fields by the key that names them in JSON."""
    return {f.validation_alias or f.alias or n: _rules(f) for n, f in model.model_fields.items()}


def _plain_model(model: type[BaseModel]) -> bool:
    """No model-wide validation or configuration that the fields' rules do not show."""
    decorators = model.__pydantic_decorators__
    validators = ("validators", "field_validators", "root_validators", "model_validators")
    return set(model.model_config) <= {"extra", "title"} and not any(
        getattr(decorators, f.name) for f in fields(decorators) if f.name in validators
    )


# What plain_batch_size checks, field by field: (type, required, default, nullable, other
# rules); the lengths are the model's. contentId and userId: the rules of content.ContentId and
# content.Text, as _CONTENT_ID and _USER_ID state them.
_SHAPE = {
    "contentId": (str, True, None, False, _others(_split(ContentId, [])[1])),
    "type": (str, True, None, False, ()),
    "occurredAt": (datetime, False, None, True, ()),
    "userId": (str, False, None, True, _others(_split(Text, [])[1])),
}


def understands(event: type[BaseModel], batch: type[BaseModel]) -> bool:
    """Whether the models of an event and a batch say exactly what plain_batch_size checks."""
    return (
        _plain_model(event)
        and _plain_model(batch)
        and {key: r.shape for key, r in _keyed(event).items()} == _SHAPE
        and {key: r.shape for key, r in _keyed(batch).items()}
        == {"events": (list[event], True, None, False, ())}  # type: ignore[valid-type]
    )


UNDERSTOOD = understands(EventIn, EventBatch)
_EVENT, _BATCH = _keyed(EventIn), _keyed(EventBatch)
_FIELDS = frozenset(_SHAPE)
_EVENTS = _BATCH["events"]
_MIN_EVENTS = _EVENTS.min_length
_MAX_EVENTS = sys.maxsize if _EVENTS.max_length is None else _EVENTS.max_length
_TYPES = frozenset(t.value for t in EventType if _EVENT["type"].fits(len(t.value)))
# content.printable's rule as a character class: no C0 control but tab, newline and carriage
# return, no lone surrogate (compared with content.printable for every code point by
# tests/discovery/test_plain_batch.py).
_PRINTABLE = r"[^\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]"
# content.ContentId: printable, no leading or trailing white space (\s is exactly what
# str.strip removes)
_CONTENT_ID = re.compile(rf"(?!\s){_PRINTABLE}{_EVENT['contentId'].quantifier}(?<!\s)")
_USER_ID = re.compile(_PRINTABLE + _EVENT["userId"].quantifier)  # content.Text
# RFC 3339 with a zone and at most microseconds: pydantic and PostgreSQL read it alike. Other
# forms pydantic accepts (no seconds, a space, more digits) take the full path.
_OCCURRED_AT = re.compile(
    r"\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])"
    r"T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d{1,6})?"
    r"(?:Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)",
    re.ASCII,  # \d: 0-9 only
)


def _every(one: re.Pattern[str]) -> re.Pattern[str]:
    """A pattern that fully matches values joined by NUL when each value fully matches `one`
    (which never matches NUL: a value holding one is refused by `_all_match`). One regex
    call per column instead of one per event: the per-event calls were most of the check."""
    return re.compile(rf"(?:(?:{one.pattern})\x00)*(?:{one.pattern})", one.flags)


_CONTENT_IDS, _USER_IDS, _OCCURRED_ATS = map(_every, (_CONTENT_ID, _USER_ID, _OCCURRED_AT))


def _all_match(every: re.Pattern[str], values: Collection[str]) -> bool:
    joined = "\x00".join(values)
    return not values or (
        joined.count("\x00") == len(values) - 1 and every.fullmatch(joined) is not None
    )


def plain_batch_size(body: bytes) -> int | None:
    """How many events `body` holds if it is a plain batch; None if it needs the full check.

    Plain: a UTF-8 JSON object whose only key is "events", a list of 1 to
    MAX_EVENTS_PER_REQUEST objects with only contentId, type, occurredAt and userId; a valid
    contentId and type; occurredAt absent, null or in the form above; userId absent, null or
    valid. Times and contentIds are checked against the window and the catalog by the store.
    """
    if not UNDERSTOOD:
        return None
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    if type(document) is not dict or len(document) != 1:
        return None
    events = document.get("events")
    if type(events) is not list or not _MIN_EVENTS <= len(events) <= _MAX_EVENTS:
        return None
    if not all(type(event) is dict and _FIELDS.issuperset(event) for event in events):
        return None
    content_ids = [event.get("contentId") for event in events]
    kinds = [event.get("type") for event in events]
    times = [at for event in events if (at := event.get("occurredAt")) is not None]
    users = [user for event in events if (user := event.get("userId")) is not None]
    if not all(
        type(value) is str for column in (content_ids, kinds, times, users) for value in column
    ):
        return None
    # every value is a str now (hashable): each distinct contentId and userId checked once
    if not (
        _TYPES.issuperset(kinds)
        and _all_match(_CONTENT_IDS, set(content_ids))
        and _all_match(_OCCURRED_ATS, times)
        and _all_match(_USER_IDS, set(users))
    ):
        return None
    return len(events)
