"""How a typed query becomes tsqueries: the pure parsing, then the SQL that builds them."""

from __future__ import annotations

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
