"""Property-based tests of the search service's pure logic: cursors, query text, highlights.

Derandomized and bounded, so a run is repeatable and fast."""

from __future__ import annotations

import base64
import html
import re
import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mediamesh.errors import InvalidInput
from mediamesh.search import cursor, highlight
from mediamesh.search.dynamodb import cursor as dynamodb_cursor
from mediamesh.search.dynamodb import ranking as dynamodb_ranking
from mediamesh.search.models import SearchQuery
from mediamesh.search.postgres import query_text
from mediamesh.search.words import words

# no deadline, no "too slow" health check: both time the machine, not the code
settings.register_profile(
    "mediamesh-fuzz",
    max_examples=300,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
FUZZ = settings.get_profile("mediamesh-fuzz")

# any text, lone surrogates and controls included
ANY_TEXT = st.text(st.characters(codec=None, categories=None), max_size=300)
STORABLE = st.text(st.characters(exclude_categories=("Cc", "Cs")), max_size=100)
MARK = re.compile(r"</?mark>")


def _query(draw_text: str, tag: str | None = None) -> SearchQuery:
    return SearchQuery(q=draw_text, tag=tag)


# --- PostgreSQL path cursors ---


@FUZZ
@given(
    score=st.floats(allow_nan=False, allow_infinity=False),
    title=STORABLE,
    content_id=STORABLE,
    q=ANY_TEXT,
)
def test_a_postgres_position_round_trips(score: float, title: str, content_id: str, q: str) -> None:
    fp = cursor.fingerprint(_query(q), q)
    position = cursor.PostgresPosition(fp, score, title, content_id)
    wrapped = cursor.wrap("postgres", cursor.encode_position(position))
    path, token = cursor.unwrap(wrapped)
    assert path == "postgres"
    assert cursor.decode_position(token, fp) == position


@FUZZ
@given(q=ANY_TEXT, other=ANY_TEXT, tag=st.none() | STORABLE)
def test_a_postgres_cursor_only_continues_its_own_query(
    q: str, other: str, tag: str | None
) -> None:
    made_for = cursor.fingerprint(_query(q), q)
    asked_by = cursor.fingerprint(_query(other, tag), other)
    token = cursor.encode_position(cursor.PostgresPosition(made_for, 1.0, "t", "id"))
    if asked_by == made_for:
        assert cursor.decode_position(token, asked_by).content_id == "id"
    else:
        with pytest.raises(InvalidInput, match="another query"):
            cursor.decode_position(token, asked_by)


@FUZZ
@given(token=ANY_TEXT | st.binary(max_size=200).map(lambda b: b.decode("latin-1")))
def test_any_postgres_token_is_refused_cleanly_or_is_a_sane_position(token: str) -> None:
    try:
        position = cursor.decode_position(token, "fp")
    except InvalidInput:
        return
    assert position.fingerprint == "fp"
    assert query_text.storable(position.title_norm + position.content_id)


@FUZZ
@given(
    score=st.floats(allow_nan=False, allow_infinity=False),
    title=STORABLE,
    at=st.integers(min_value=0),
    replacement=st.characters(),
)
def test_a_tampered_postgres_token_is_refused_or_still_sane(
    score: float, title: str, at: int, replacement: str
) -> None:
    token = cursor.encode_position(cursor.PostgresPosition("fp", score, title, "id"))
    index = at % len(token)
    tampered = token[:index] + replacement + token[index + 1 :]
    try:
        position = cursor.decode_position(tampered, "fp")
    except InvalidInput:
        return
    # the position is only a place to resume from: a changed one is a different place in
    # the same query's results, never a way into another query or into the SQL
    assert position.fingerprint == "fp"


@FUZZ
@given(raw=ANY_TEXT)
def test_unwrap_accepts_only_our_tags(raw: str) -> None:
    try:
        path, token = cursor.unwrap(raw)
    except InvalidInput:
        return
    assert raw == cursor.wrap(path, token) and token


# --- DynamoDB path cursors ---


@FUZZ
@given(offset=st.integers(0, dynamodb_cursor.MAX_OFFSET), q=ANY_TEXT, tag=st.none() | STORABLE)
def test_a_dynamodb_cursor_round_trips(offset: int, q: str, tag: str | None) -> None:
    fp = dynamodb_cursor.fingerprint(_query(q, tag), words(q))
    made = dynamodb_cursor.encode(offset, fp)
    assert dynamodb_cursor.is_dynamodb_cursor(made)
    assert dynamodb_cursor.decode(made, fp) == offset


@FUZZ
@given(offset=st.integers(0, 1000), q=ANY_TEXT, other=ANY_TEXT)
def test_a_dynamodb_cursor_only_continues_its_own_query(offset: int, q: str, other: str) -> None:
    fp = dynamodb_cursor.fingerprint(_query(q), words(q))
    asked_by = dynamodb_cursor.fingerprint(_query(other), words(other))
    made = dynamodb_cursor.encode(offset, fp)
    if asked_by == fp:
        assert dynamodb_cursor.decode(made, asked_by) == offset
    else:
        with pytest.raises(InvalidInput, match="another query"):
            dynamodb_cursor.decode(made, asked_by)


def _forged(offset_json: str) -> str:
    body = '{"o": ' + offset_json + ', "f": "fp"}'
    return dynamodb_cursor.PREFIX + base64.urlsafe_b64encode(body.encode()).decode()


@FUZZ
@given(
    tail=ANY_TEXT,
    offset=st.integers().map(str)
    | st.floats().map(repr)
    | st.sampled_from(["1e309", "-0", "true", "null", '"5"', "[1]", str(2**64), "1" * 400]),
)
def test_any_dynamodb_cursor_is_refused_cleanly_or_in_range(tail: str, offset: str) -> None:
    for candidate in (_forged(offset), dynamodb_cursor.PREFIX + tail, tail):
        try:
            value = dynamodb_cursor.decode(candidate, "fp")
        except InvalidInput:
            continue
        assert 0 <= value <= dynamodb_cursor.MAX_OFFSET


# --- query text ---


@FUZZ
@given(raw=ANY_TEXT)
def test_query_text_parsing_never_raises_and_keeps_no_control(raw: str) -> None:
    parsed = query_text.parse(raw)
    for part in (parsed.text, parsed.head, parsed.fuzzy, parsed.excluded, parsed.prefix_word):
        if part is not None:
            assert "\x00" not in part
            assert query_text.storable(part)
            part.encode("utf-8")  # no lone surrogate: PostgreSQL will accept it
    assert parsed.text == query_text.clean(parsed.text)  # cleaning is idempotent
    if parsed.prefix_word is not None:
        assert parsed.prefix_word.isalnum()  # no tsquery operator can ride on a prefix


# --- highlights: everything escaped but our own <mark> ---


def _unmarked(out: str) -> str:
    return MARK.sub("", out)


@FUZZ
@given(text=ANY_TEXT, marks=st.lists(st.integers(0, 300), max_size=6))
def test_postgres_highlights_escape_everything_but_mark(text: str, marks: list[int]) -> None:
    marked = text
    for at in sorted(marks, reverse=True):
        marked = marked[:at] + highlight.START + marked[at:at] + highlight.STOP + marked[at:]
    for out in (highlight.to_html(marked), highlight.plain(text), highlight.snippet(text)):
        assert not set("<>\"'") & set(_unmarked(out))
    stripped = text.replace(highlight.START, "").replace(highlight.STOP, "")
    assert html.unescape(_unmarked(highlight.to_html(marked))) == stripped


@FUZZ
@given(text=ANY_TEXT, pick=st.lists(st.integers(0, 50), max_size=4), extra=ANY_TEXT)
def test_dynamodb_highlights_escape_everything_but_mark(
    text: str, pick: list[int], extra: str
) -> None:
    in_text = words(text)
    query = {in_text[i % len(in_text)] for i in pick} if in_text else set()
    query |= set(words(extra))
    out = dynamodb_ranking.highlight(text, query)
    assert not set("<>\"'") & set(_unmarked(out))
    assert html.unescape(_unmarked(out)) == unicodedata.normalize("NFC", text)
    snippet = dynamodb_ranking.snippet(text, query, width=40)
    assert not set("<>\"'") & set(_unmarked(snippet))
