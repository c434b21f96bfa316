"""A query that most documents match reads its first matches in table order (sql.SEARCH_BROAD)
instead of through the index, which collects every match first; a query whose last word,
typed as a prefix, matches far more documents than its other words finds their documents
through the index and checks each against the whole query (sql.SEARCH_NARROW). Both are
chosen by BUILD_SEARCH's estimates from the word counts, and give the very same answer. So
does a query with a category or tag filter whose index lookup takes the filter's words too
(sql.SEARCH_FILTER_WORDS, sql.SEARCH_NARROW_FILTER_WORDS); its title tier finds the filter
in the title index itself (migration 0024).

On the films, "film" is in ~33,000 of ~36,000 documents, "war" in ~2,400, "pirate" in a
few dozen."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import asyncpg
import httpx
import orjson
import pytest

from mediamesh.search.models import SearchQuery
from mediamesh.search.postgres import repository as postgres_repository
from mediamesh.search.postgres import search as postgres_search
from mediamesh.search.postgres import sql
from mediamesh.search.postgres.query_text import parse
from mediamesh.search.postgres.repository import BuiltQuery, FilterShares
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
    broad = await _same_as_the_index(films_client, monkeypatch, params, "broad")
    assert broad["total"] > postgres_search.EXACT_COUNT_LIMIT  # a capped, broad match set


async def test_a_prefix_far_commoner_than_the_other_words_is_narrowed(films: Settings) -> None:
    war = await built(films.database_url, "war fil")  # film, filmed, filming...
    assert war.narrow == "'war'" and war.narrow_estimate is not None
    exact, _ = await exact_counts(films.database_url, "'war'")
    assert 0.9 * exact <= war.narrow_estimate <= exact
    assert war.prefix_estimate is not None and war.prefix_estimate > 10 * war.narrow_estimate
    assert war.narrowed(CAP)
    # a rarer prefix, whose documents the index collects for less than reading every 'war'
    assert not (await built(films.database_url, "war pira")).narrowed(CAP)
    # the other way round: the words before the prefix are the common ones
    film = await built(films.database_url, "film pira")
    assert film.narrow == "'film'" and not film.narrowed(CAP)
    # no prefix (a space typed after the last word), or nothing before it: nothing to narrow
    assert not (await built(films.database_url, "war film ")).narrowed(CAP)
    assert (await built(films.database_url, "film")).narrow is None
    # an exclusion before the prefix: not estimated, so not narrowed
    assert not (await built(films.database_url, "-treasure pirate fil")).narrowed(CAP)


def test_narrowed_is_where_it_reads_fewer_rows_than_the_index_costs() -> None:
    def query(narrow: float | None, prefix: float | None, estimate: float) -> BuiltQuery:
        return BuiltQuery(
            "'x' & 'y':*",
            None,
            "x y",
            estimate=estimate,
            narrow="'x'",
            narrow_estimate=narrow,
            prefix_estimate=prefix,
        )

    # the measured cases (1M documents): "the taming of the west", "relationship adaptation"
    assert query(507, 230_099, 117).narrowed(CAP)
    assert not query(5_463, 38_498, 210).narrowed(CAP)
    # at the boundary: 1,000 rows read narrowed against a prefix's documents and 10 rows
    assert query(1_000, 29_700, 10).narrowed(CAP)
    assert not query(1_000, 29_699, 10).narrowed(CAP)
    # a match set larger than the cap: narrowed, only the share of the rows up to the cap
    assert query(24_182, 162_586, 3_929).narrowed(CAP)
    assert not query(24_182, 162_586, 3_929).narrowed(10 * CAP)
    assert not query(None, 6_000, 10).narrowed(CAP)  # a phrase or an exclusion before it
    assert not BuiltQuery("'y':*", None, "y", prefix_estimate=6_000).narrowed(CAP)


@pytest.mark.parametrize(
    "params",
    [
        {"q": "war film", "limit": 10},  # ~2,400 matches: a capped count, estimated
        {"q": "pirate fil", "limit": 5},  # a few dozen: counted exactly
        {"q": "war fil", "limit": 10, "category": "Drama"},
        {"q": "pirate or war fil", "limit": 10},  # alternatives before the prefix
    ],
)
async def test_a_narrowed_query_answers_as_the_index_would(
    films: Settings,
    films_client: httpx.AsyncClient,
    monkeypatch: pytest.MonkeyPatch,
    params: dict[str, Any],
) -> None:
    assert (await built(films.database_url, params["q"])).narrowed(CAP)
    await _same_as_the_index(films_client, monkeypatch, params, "narrowed")


async def test_a_narrowed_description_answers_as_the_index_would(
    films: Settings, films_client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 4 documents have every word, none in its title: too few, so the answer is hybrid
    # (most words, meaning), its strict part narrowed too (sql.HYBRID_NARROW)
    params = {"q": "pirate treasure fil", "limit": 5}
    assert (await built(films.database_url, params["q"])).narrowed(CAP)
    answer = await _same_as_the_index(films_client, monkeypatch, params, "narrowed")
    assert answer["total"] > 4  # widened: the strict answer alone would be 4


async def _same_as_the_index(
    films_client: httpx.AsyncClient,
    monkeypatch: pytest.MonkeyPatch,
    params: dict[str, Any],
    way: str,
) -> dict[str, Any]:
    """A query's first page and the next, read its `way` (the BuiltQuery method that chose
    it: "broad" or "narrowed"), which must equal the index's; returns the first page."""
    first = await search(films_client, **params)
    assert first["items"] and first["nextCursor"]
    follow = await search(films_client, **params, cursor=first["nextCursor"])
    with monkeypatch.context() as patched:
        patched.setattr(BuiltQuery, way, lambda self, *args: False)
        assert await search(films_client, **params) == first
        assert await search(films_client, **params, cursor=first["nextCursor"]) == follow
    return first


async def test_every_document_holds_the_words_of_its_category_and_tags(films: Settings) -> None:
    """What the filters' words rest on (sql.SEARCH_FILTER_WORDS): a document that passes a
    category or tag filter has that filter's words in its vector."""
    conn = await asyncpg.connect(films.database_url)
    try:
        missing = await conn.fetchval(
            f"""SELECT count(*)
                FROM search_documents d,
                     LATERAL (SELECT d.category UNION ALL SELECT unnest(d.tags)) AS f(value),
                     LATERAL plainto_tsquery({sql.CONFIG}, f.value) AS words
                WHERE numnode(words) > 0 AND NOT d.document @@ words"""
        )
        checked = await conn.fetchval(
            "SELECT count(category) + sum(cardinality(tags)) FROM search_documents"
        )
        assert checked > 30_000
        assert missing == 0
    finally:
        await conn.close()


@pytest.mark.parametrize(
    ("params", "statement"),
    [
        ({"q": "war ", "limit": 10, "category": "Drama"}, "SEARCH_FILTER_WORDS"),
        ({"q": "alien planet", "limit": 5, "category": "Science Fiction"}, "SEARCH_FILTER_WORDS"),
        ({"q": "love", "limit": 10, "tag": "Romance"}, "SEARCH_FILTER_WORDS"),
        ({"q": "war fil", "limit": 10, "category": "Drama"}, "SEARCH_NARROW_FILTER_WORDS"),
        ({"q": "film ", "limit": 10, "category": "Drama"}, "SEARCH"),  # broad: words alone
        ({"q": "war ", "limit": 10, "contentType": "PROGRAM"}, "SEARCH"),  # no words to add
    ],
)
async def test_the_filters_words_leave_the_answer_as_it_was(
    films: Settings,
    films_client: httpx.AsyncClient,
    monkeypatch: pytest.MonkeyPatch,
    params: dict[str, Any],
    statement: str,
) -> None:
    query = SearchQuery(
        q=params["q"],
        content_type=params.get("contentType"),
        category=params.get("category"),
        tag=params.get("tag"),
    )
    chosen, _ = postgres_repository.search_statement(
        await built(films.database_url, params["q"]), query, CAP, CAP
    )
    assert chosen is getattr(sql, statement)
    first = await search(films_client, **params)
    assert first["items"] and first["nextCursor"]
    follow = await search(films_client, **params, cursor=first["nextCursor"])
    with monkeypatch.context() as patched:
        patched.setattr(sql, "SEARCH_FILTER_WORDS", sql.SEARCH)
        patched.setattr(sql, "SEARCH_NARROW_FILTER_WORDS", sql.SEARCH_NARROW)
        assert await search(films_client, **params) == first
        assert await search(films_client, **params, cursor=first["nextCursor"]) == follow


class _Recorded:
    """A connection that keeps the last statement and arguments it ran with fetchrow."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn
        self.statement = ""
        self.args: tuple[Any, ...] = ()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)

    async def fetchrow(self, statement: str, *args: Any, **kwargs: Any) -> Any:
        self.statement, self.args = statement, args
        return await self._conn.fetchrow(statement, *args, **kwargs)


def _index_scans(plan: dict[str, Any]) -> list[dict[str, Any]]:
    found = [plan] if "Index Name" in plan else []
    for child in plan.get("Plans", ()):
        found.extend(_index_scans(child))
    return found


@pytest.mark.parametrize(
    ("filters", "condition"),
    [
        ({"category": "Comedy"}, "(category = 'Comedy'::text)"),
        ({"tag": "Comedy"}, "(tags @> '{Comedy}'::text[])"),
    ],
)
async def test_a_filtered_title_tier_finds_the_filter_in_the_title_index(
    films: Settings, filters: dict[str, str], condition: str
) -> None:
    """The title tier of a search with a category or tag filter (migration 0024) finds the
    documents that pass the filter among the title matches in the index, where the title's
    words alone would fetch every document with the word in its title."""
    conn = await asyncpg.connect(
        films.database_url, server_settings=postgres_repository.FILTERED_SESSION_SETTINGS
    )
    try:
        query = SearchQuery(q="love", limit=10, **filters)
        recorded = _Recorded(conn)
        await postgres_repository.read_search(
            recorded,  # type: ignore[arg-type]
            await built(films.database_url, query.q),
            query,
            fuzzy_below=5,
            candidate_limit=1_000,
            cap=CAP,
            shares=FilterShares(),
            after=None,
            size=11,
            seconds=5.0,
        )
        explained = await conn.fetchval(
            f"EXPLAIN (FORMAT JSON) {recorded.statement}", *recorded.args
        )
    finally:
        await conn.close()
    scans = _index_scans(orjson.loads(explained)[0]["Plan"])
    title = [s for s in scans if s["Index Name"] == "search_documents_title_filters_idx"]
    assert title, [s["Index Name"] for s in scans]
    assert all(condition in s["Index Cond"] for s in title), [s["Index Cond"] for s in title]
