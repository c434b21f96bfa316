"""A query that most documents match reads its first matches in table order (sql.SEARCH_BROAD)
instead of through the index, which collects every match first: chosen by BUILD_SEARCH's
estimate from the word counts, and giving the very same answer.

On the films, "film" is in ~33,000 of ~36,000 documents; "pirate" in a few dozen."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import asyncpg
import httpx
import pytest

from mediamesh.search.postgres import repository as postgres_repository
from mediamesh.search.postgres import search as postgres_search
from mediamesh.search.postgres.query_text import parse
from mediamesh.search.postgres.repository import BuiltQuery
from mediamesh.settings import Settings
from tests.search.postgres.test_counts import exact_counts
from tests.search.search_api import search

CAP = postgres_search.EXACT_COUNT_LIMIT + 1


async def built(url: str, text: str) -> BuiltQuery:
    conn = await asyncpg.connect(url)
    try:
        return await postgres_repository.build_query(conn, parse(text), 5.0)
    finally:
        await conn.close()


@pytest.fixture(autouse=True)
def fresh_builds(monkeypatch: pytest.MonkeyPatch) -> None:
    """Estimates are cached with the built query: none from another test's database."""
    monkeypatch.setattr(postgres_repository, "_built", OrderedDict())


async def test_a_common_word_is_broad_and_a_rare_one_is_not(films: Settings) -> None:
    film = await built(films.database_url, "film ")
    assert film.tsquery == "'film'" and film.estimate is not None
    exact, _ = await exact_counts(films.database_url, "'film'")
    assert 0.9 * exact <= film.estimate <= exact  # a word's count is its documents
    assert film.broad(CAP)
    pirate = await built(films.database_url, "pirate ")
    assert pirate.estimate is not None and not pirate.broad(CAP)
    # words are taken as independent: two common ones, fewer than either
    both = await built(films.database_url, "american film ")
    assert both.estimate is not None and both.estimate < film.estimate
    # alternatives: the largest (a lower bound of what either finds)
    either = await built(films.database_url, "pirate or film ")
    assert either.tsquery == "'pirat' | 'film'" and either.estimate == film.estimate


async def test_a_prefix_counts_the_words_it_starts(films: Settings) -> None:
    prefix = await built(films.database_url, "direc")  # directed, director, direction...
    assert prefix.tsquery is not None and ":*" in prefix.tsquery
    assert prefix.estimate is not None
    direct, _ = await exact_counts(films.database_url, "'direct'")
    assert prefix.estimate >= 0.9 * direct


@pytest.mark.parametrize(
    "text",
    [
        '"film noir"',  # a phrase: fewer than its words
        "film -noir",  # an exclusion
        "o'brien",  # a phrase too ('o' <-> 'brien')
    ],
)
async def test_other_queries_are_not_estimated(films: Settings, text: str) -> None:
    assert (await built(films.database_url, text)).estimate is None


def test_broad_is_where_the_table_beats_the_index() -> None:
    million = 1_000_000.0
    assert BuiltQuery("'x'", None, "x", estimate=50_000, catalog_rows=million).broad(CAP)
    assert not BuiltQuery("'x'", None, "x", estimate=40_000, catalog_rows=million).broad(CAP)
    assert not BuiltQuery("'x'", None, "x", estimate=None, catalog_rows=million).broad(CAP)


@pytest.mark.parametrize(
    "params",
    [
        {"q": "film ", "limit": 10},
        {"q": "film", "limit": 10},  # as a prefix
        {"q": "american film ", "limit": 20},
        {"q": "direc", "limit": 5},
    ],
)
async def test_a_broad_query_answers_as_the_index_would(
    films: Settings,
    films_client: httpx.AsyncClient,
    monkeypatch: pytest.MonkeyPatch,
    params: dict[str, Any],
) -> None:
    assert (await built(films.database_url, params["q"])).broad(CAP)
    broad = await search(films_client, **params)
    assert broad["total"] > postgres_search.EXACT_COUNT_LIMIT  # a capped, broad match set
    follow = await search(films_client, **params, cursor=broad["nextCursor"])
    monkeypatch.setattr(BuiltQuery, "broad", lambda self, cap: False)
    assert await search(films_client, **params) == broad
    assert await search(films_client, **params, cursor=broad["nextCursor"]) == follow
