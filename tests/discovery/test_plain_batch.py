"""The fast path's body check (pure): what it takes, the model takes with the same values."""

from __future__ import annotations

import json
import re
import sys
from datetime import date, datetime
from typing import Annotated, Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from mediamesh.content import ContentId, Text, printable
from mediamesh.discovery.events import plain_batch
from mediamesh.discovery.events.models import MAX_EVENTS_PER_REQUEST, EventBatch, EventIn
from mediamesh.discovery.events.plain_batch import plain_batch_size

EVENT = {"contentId": "c1", "type": "view", "occurredAt": "2031-03-10T10:30:00Z", "userId": "u"}


def body(*events: dict[str, Any], **top: Any) -> bytes:
    return json.dumps({"events": list(events), **top}).encode()


def test_a_plain_batch_is_counted() -> None:
    events = [
        EVENT,
        {"contentId": "c2", "type": "like"},
        {"contentId": "c 3", "type": "complete", "occurredAt": None, "userId": None},
        {**EVENT, "occurredAt": "2031-03-10T11:30:00.123456+01:00", "userId": "é\tü"},
    ]
    assert plain_batch_size(body(*events)) == 4
    assert plain_batch_size(body(*[EVENT] * 1000)) == 1000


@pytest.mark.parametrize(
    "raw",
    [
        body(),
        body(*[EVENT] * 1001),
        body(EVENT, extra=1),
        body({**EVENT, "extra": 1}),
        body({"type": "view"}),
        body({"contentId": "c1"}),
        body({**EVENT, "type": "share"}),
        body({**EVENT, "type": ["view"]}),
        body({**EVENT, "contentId": ""}),
        body({**EVENT, "contentId": " c1"}),
        body({**EVENT, "contentId": "c1\u00a0"}),
        body({**EVENT, "contentId": "c\x001"}),
        # values are checked joined by NUL: one holding NUL must not pass as two
        body(EVENT, {**EVENT, "contentId": "c1\x00c2"}),
        body(EVENT, {**EVENT, "userId": "u\x00v"}),
        body(EVENT, {**EVENT, "occurredAt": f"{EVENT['occurredAt']}\x00{EVENT['occurredAt']}"}),
        body({**EVENT, "contentId": "c" * 129}),
        body({**EVENT, "contentId": 1}),
        body({**EVENT, "userId": ""}),
        body({**EVENT, "userId": "u\x1b"}),
        body({**EVENT, "userId": "u" * 129}),
        body({**EVENT, "occurredAt": "2031-03-10T10:30:00"}),  # no zone: the model's message
        body({**EVENT, "occurredAt": "2031-03-10 10:30:00Z"}),
        body({**EVENT, "occurredAt": "2031-03-10T10:30:00.1234567Z"}),
        body({**EVENT, "occurredAt": "2031-03-10T10:30:60Z"}),
        body({**EVENT, "occurredAt": "٢٠٣١-03-10T10:30:00Z"}),
        body({**EVENT, "occurredAt": 1_900_000_000}),
        b'{"events": [{"contentId": "c1", "type": "view", "userId": "a\\ud800"}]}',
        b'{"events": [{"contentId": "c1", "type": "view"}], "events": NaN}',
        b"\xef\xbb\xbf" + body(EVENT),
        body(EVENT).decode().encode("utf-16"),
        b'{"events": [{"contentId": "c1", "type": "view"}]',
        b'[{"contentId": "c1", "type": "view"}]',
        b"",
    ],
)
def test_anything_else_takes_the_full_path(raw: bytes) -> None:
    assert plain_batch_size(raw) is None


_TRICKY = st.sampled_from(["a", "Z", " ", "\t", "\n", "\x00", "\x1f", "\x7f", "\u00a0", "\u2028",
                           "\u3000", "é", "🎬", "\ufeff", "0"])  # fmt: skip
_TEXT = st.lists(_TRICKY, max_size=4).map("".join) | st.text(max_size=130)
_WHEN = st.sampled_from(
    ["2031-03-10T10:30:00Z", "2031-03-10T10:30:00.5+05:30", "2031-02-30T10:30:00Z",
     "2031-13-10T10:30:00Z", "2031-03-10T24:00:00Z", "2031-03-10T10:30:00+24:00",
     "2031-03-10T10:30:00-00:00", "2031-03-10t10:30:00z", "2031-03-10T10:30Z"]
)  # fmt: skip
_VALUE = st.none() | _TEXT | _WHEN | st.integers() | st.booleans()
_EVENTS = st.lists(
    st.dictionaries(
        st.sampled_from(["contentId", "type", "occurredAt", "userId", "other"]), _VALUE
    ).map(lambda e: {"contentId": "c1", "type": "like", **e}),
    min_size=1,
    max_size=3,
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_EVENTS)
def test_what_it_takes_the_model_takes_alike(events: list[dict[str, Any]]) -> None:
    raw = body(*events)
    if plain_batch_size(raw) is None or any(map(_impossible_date, events)):
        return
    # the model parses what the framework parsed, i.e. the stdlib's reading of the body
    model = EventBatch.model_validate(json.loads(raw))
    for event, parsed in zip(events, model.events, strict=True):
        assert parsed.contentId == event["contentId"]
        assert parsed.type == event["type"]
        assert parsed.userId == event.get("userId")
        when = event.get("occurredAt")
        # PostgreSQL reads these RFC 3339 forms as datetime.fromisoformat does
        assert parsed.occurredAt == (None if when is None else datetime.fromisoformat(when))


def _impossible_date(event: dict[str, Any]) -> bool:
    """30 February and the like: left to PostgreSQL, which refuses them (the API tests)."""
    try:
        datetime.fromisoformat(event.get("occurredAt") or "2031-03-10T10:30:00Z")
    except ValueError:
        return True
    return False


def test_the_check_understands_the_models() -> None:
    """Else the fast path is off: bring plain_batch's _SHAPE and checks up to date."""
    assert plain_batch.UNDERSTOOD
    assert plain_batch.understands(EventIn, EventBatch)


class _Same(EventIn):
    """Says nothing more: understood."""


class _Required(EventIn):
    region: str


class _Validated(EventIn):
    userId: Annotated[Text, Field(max_length=128), AfterValidator(str.lower)] | None = None


class _Dated(EventIn):
    occurredAt: date | None = None  # type: ignore[assignment]


class _Aliased(EventIn):
    contentId: ContentId = Field(alias="id")


class _NotNull(EventIn):
    userId: Annotated[Text, Field(min_length=1, max_length=128)] = "anonymous"


class _Checked(EventIn):
    @model_validator(mode="after")
    def _no_likes(self) -> _Checked:
        return self


class _Lowered(EventIn):
    model_config = ConfigDict(extra="forbid", str_to_lower=True)


class _Strict(EventIn):
    type: Annotated[str, Field(max_length=32, strict=True)]


class _Batch(EventBatch):
    source: str


@pytest.mark.parametrize(
    "event", [_Required, _Validated, _Dated, _Aliased, _NotNull, _Checked, _Lowered, _Strict]
)
def test_a_model_that_says_more_turns_the_fast_path_off(event: type[EventIn]) -> None:
    def batch_of(model: type[EventIn]) -> type[BaseModel]:
        class Batch(BaseModel):
            model_config = ConfigDict(extra="forbid")
            events: Annotated[list[model], Field(min_length=1, max_length=1000)]  # type: ignore[valid-type]

        return Batch

    assert plain_batch.understands(_Same, batch_of(_Same))
    assert not plain_batch.understands(event, batch_of(event))
    assert not plain_batch.understands(EventIn, _Batch)


def test_the_limits_are_the_models() -> None:
    """Read from the model's fields (content.ContentId's, EventIn's, EventBatch's)."""
    assert plain_batch._CONTENT_ID.pattern.endswith("{1,128}(?<!\\s)")
    assert plain_batch._USER_ID.pattern.endswith("{1,128}")
    assert (plain_batch._MIN_EVENTS, plain_batch._MAX_EVENTS) == (1, MAX_EVENTS_PER_REQUEST)
    assert sorted(plain_batch._TYPES) == ["complete", "like", "view"]


def test_the_character_rules_are_contents() -> None:
    """_PRINTABLE takes exactly the characters content.printable takes, and a contentId's
    ends exclude exactly what str.strip removes: checked for every code point."""
    one, space = re.compile(plain_batch._PRINTABLE), re.compile(r"\s")
    for code in range(sys.maxunicode + 1):
        ch = chr(code)
        try:
            taken = printable(ch) == ch
        except ValueError:
            taken = False
        assert (one.fullmatch(ch) is not None) == taken, hex(code)
        assert (space.fullmatch(ch) is not None) == (ch.strip() == ""), hex(code)
