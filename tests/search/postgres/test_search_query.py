"""How a typed query becomes tsqueries: the pure parsing, then the SQL that builds them."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any, cast

import asyncpg
import pytest

from mediamesh.search.postgres import repository as postgres_repository
from mediamesh.search.postgres.query_text import parse
from tests.conftest import Stack


@pytest.mark.parametrize(
    ("raw", "head", "prefix"),
    [
        ("the godf", "the", "godf"),
        ("godf", "", "godf"),
        ("godf ", "godf", None),  # a space typed after it: a whole word
        ("g", "g", None),  # too short to expand
        ("godfather -pa", "godfather -pa", None),  # negated
        ('"the godf', '"the godf', None),  # inside an open quote
        ('"the godfather" pa', '"the godfather"', "pa"),
        ("casablanca or sha", "casablanca or sha", None),  # right after `or`
        ("jaws:*", "jaws:*", None),
        ("l'amour", "l'amour", None),
        ("léon", "", "léon"),
        ("", "", None),
    ],
)
def test_the_last_plain_word_is_the_prefix(raw: str, head: str, prefix: str | None) -> None:
    parsed = parse(raw)
    assert (parsed.head, parsed.prefix_word) == (head, prefix)


def test_cleaning_drops_controls_and_collapses_space() -> None:
    parsed = parse("  god\x00father \t\n  part\u0007ii ")
    assert parsed.text == "god father part ii"
    assert parsed.prefix_word is None  # the raw query ended with a space


def test_exclusions_and_fuzzy_words() -> None:
    parsed = parse('godfather -part -"black godfather" or disco')
    assert parsed.excluded == 'part or "black godfather"'
    assert parsed.fuzzy == "godfather disco"
    assert parse('"open -x').excluded == "x"
    assert parse("a -").excluded == ""


def test_a_quoted_phrase_turns_typo_tolerance_off() -> None:
    assert parse("the godfathr").typo_tolerant
    assert not parse('"the godfathr"').typo_tolerant


@pytest.mark.parametrize(
    ("raw", "tsquery", "excluded"),
    [
        ("the godf", "'godf':*", None),
        ("happy feet", "'happi' & 'feet':*", None),
        ("the godfather -part", "'godfath' & !'part'", "'part'"),
        ('"the godfather" or jaws', "'godfath' | 'jaw'", None),
        ("lord of the", "'lord'", None),  # a stop word being typed constrains nothing
        ("& | ! ( ) : * \\", None, None),
        ("jaws:* & !x", "'jaw' & 'x'", None),
        ("o'brien's", "'o' <-> 'brien'", None),
        ("Amélie", "'ameli':* | 'amelie':*", None),  # stemmed and unstemmed, no accent
        ("", None, None),
    ],
)
async def test_the_tsquery_postgres_builds(
    stack: Stack, raw: str, tsquery: str | None, excluded: str | None
) -> None:
    conn = await asyncpg.connect(stack.database_url)
    try:
        built = await postgres_repository.build_query(conn, parse(raw), 2.0)
    finally:
        await conn.close()
    assert (built.tsquery, built.excluded) == (tsquery, excluded)


class CountingConnection:
    """A connection that counts the statements it is asked to run."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn
        self.statements = 0

    async def fetchrow(self, *args: Any, **kwargs: Any) -> Any:
        self.statements += 1
        return await self.conn.fetchrow(*args, **kwargs)


async def test_a_built_query_is_reused_and_the_oldest_is_dropped(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Building is a pure function of the parsed parts: a process runs the statement once
    per query (none for a query seen before) and keeps at most BUILT_CACHED of them."""
    monkeypatch.setattr(postgres_repository, "BUILT_CACHED", 2)
    monkeypatch.setattr(postgres_repository, "_built", OrderedDict())
    raw = await asyncpg.connect(stack.database_url)
    counting = CountingConnection(raw)
    conn = cast(asyncpg.Connection, counting)

    async def build(text: str) -> postgres_repository.BuiltQuery:
        return await postgres_repository.build_query(conn, parse(text), 2.0)

    try:
        first = await build("happy feet")
        assert first.tsquery == "'happi' & 'feet':*"
        assert await build("happy feet") == first
        assert counting.statements == 1
        await build("jaws")
        await build("alien")  # the third one: "happy feet", the oldest, is dropped
        assert counting.statements == 3
        assert await build("happy feet") == first
        assert counting.statements == 4
    finally:
        await raw.close()
