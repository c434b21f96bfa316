"""The fast path's check of a POST /v1/discovery/events body (pure).

A profile of the route put most of its time in parsing and validating the body (stdlib JSON,
then pydantic with a Python validator per field) rather than in storing it. Most batches are
plain: canonical JSON of known fields, ASCII-safe timestamps, nothing to report. For those,
`plain_batch_size` checks the structure with orjson and a few regular expressions, and
PostgreSQL reads the same text (events_repository.store). It accepts only bodies that the
model (events.EventBatch) accepts with the same values, so storing them directly is what the
route would have done; anything else (unusual formats, any mistake) returns None, and the
route's full validation handles it, with its own error messages.
"""

from __future__ import annotations

import re

import orjson

from mediamesh.discovery.events.models import MAX_EVENTS_PER_REQUEST, EventType

_FIELDS = frozenset(("contentId", "type", "occurredAt", "userId"))
_TYPES = frozenset(t.value for t in EventType)
# content.ContentId: 1-128 characters, no C0 control but tab, newline and carriage
# return (orjson never yields a lone surrogate), no leading or trailing white space (\s is
# exactly what str.strip removes).
_CONTENT_ID = re.compile(r"(?!\s)[^\x00-\x08\x0b\x0c\x0e-\x1f]{1,128}(?<!\s)")
_USER_ID = re.compile(r"[^\x00-\x08\x0b\x0c\x0e-\x1f]{1,128}")  # events.EventIn.userId
# RFC 3339 with a zone and at most microseconds: pydantic and PostgreSQL read it alike. Other
# forms pydantic accepts (no seconds, a space, more digits) take the full path.
_OCCURRED_AT = re.compile(
    r"\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])"
    r"T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d{1,6})?"
    r"(?:Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)",
    re.ASCII,  # \d: 0-9 only
)


def plain_batch_size(body: bytes) -> int | None:
    """How many events `body` holds if it is a plain batch; None if it needs the full check.

    Plain: a UTF-8 JSON object whose only key is "events", a list of 1 to
    MAX_EVENTS_PER_REQUEST objects with only contentId, type, occurredAt and userId; a valid
    contentId and type; occurredAt absent, null or in the form above; userId absent, null or
    valid. Times and contentIds are checked against the window and the catalog by the store.
    """
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    if type(document) is not dict or len(document) != 1:
        return None
    events = document.get("events")
    if type(events) is not list or not 1 <= len(events) <= MAX_EVENTS_PER_REQUEST:
        return None
    content_id_ok, user_id_ok, occurred_at_ok = (
        _CONTENT_ID.fullmatch,
        _USER_ID.fullmatch,
        _OCCURRED_AT.fullmatch,
    )
    for event in events:
        if type(event) is not dict or not _FIELDS.issuperset(event):
            return None
        content_id, kind = event.get("contentId"), event.get("type")
        occurred_at, user_id = event.get("occurredAt"), event.get("userId")
        if not (
            type(content_id) is str
            and content_id_ok(content_id)
            and type(kind) is str
            and kind in _TYPES
            and (occurred_at is None or (type(occurred_at) is str and occurred_at_ok(occurred_at)))
            and (user_id is None or (type(user_id) is str and user_id_ok(user_id)))
        ):
            return None
    return len(events)
