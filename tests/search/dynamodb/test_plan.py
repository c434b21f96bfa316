"""Which queries the DynamoDB path may answer (plan.answerable), checked against PostgreSQL's
own reading of them: an answerable query must mean "all of these words" to
websearch_to_tsquery as well, since the DynamoDB path can mean nothing else."""

from __future__ import annotations

import re

import asyncpg
import pytest

from mediamesh.search import words
from mediamesh.search.dynamodb.plan import answerable
from mediamesh.search.postgres.sql import CONFIG
from tests.conftest import Stack

PLAIN = [
    "jaws",
    "Amélie",
    "Ame\u0301lie",  # decomposed accent
    "  amélie!  ",
    "the godfather",
    "r2d2 returns",
    "¿qué? (pasa), ok; fine: done… «yes»",
    "dog. cat,",
    "?! …",  # punctuation alone: no word for either path
    "ORwell oracle",  # `or` only as a whole word is an operator
    "a b c d e f g h i j k l",  # words.MAX_QUERY_WORDS words
]
OPERATORS = [
    "jaws -shark",
    "jaws - shark",
    "-shark",
    '"shark jaws"',
    'jaws "shark',
    "jaws or shark",
    "jaws OR shark",
    "jaws or",
    "spider-man",  # a phrase to PostgreSQL
    "l'amour",  # a phrase to PostgreSQL
    "cat_dog",
    "cat.dog",  # one host-like token to PostgreSQL
    "/dog",
    "3.5",
    "..",
    "jaws ~shark",
    "a b c d e f g h i j k l m",  # more words than the DynamoDB filter takes
]


@pytest.mark.parametrize("q", PLAIN)
def test_plain_words_are_answerable(q: str) -> None:
    assert answerable(q)


@pytest.mark.parametrize("q", OPERATORS)
def test_operators_and_joined_words_go_to_postgres(q: str) -> None:
    assert not answerable(q)


async def test_postgres_reads_every_answerable_query_as_all_of_its_words(stack: Stack) -> None:
    conn = await asyncpg.connect(stack.database_url)
    try:
        for q in PLAIN:
            # 'simple' keeps every word (no stop words, no stemming), so the lexemes can be
            # compared with the DynamoDB path's words one for one
            tsquery = await conn.fetchval(
                "SELECT websearch_to_tsquery('simple', mediamesh_normalize($1))::text", q
            )
            assert not re.search(r"[|!<]", tsquery), (q, tsquery)
            lexemes = re.findall(r"'((?:[^']|'')*)'", tsquery)
            assert lexemes == words.words(q), (q, tsquery)
            english = await conn.fetchval(f"SELECT websearch_to_tsquery({CONFIG}, $1)::text", q)
            assert not re.search(r"[|!<]", english), (q, english)
    finally:
        await conn.close()
