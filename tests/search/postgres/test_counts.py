"""Counts of large match sets on the PostgreSQL path (search/postgres/search.py): exact up to
the cap, then estimated from a sample of the table and flagged `countsExact: false`.

The films hold ~33,000 matches of "film"; the cap and sample size are lowered here so the
same rules run on them."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import asyncpg
import httpx
import pytest

from mediamesh.search.models import SearchQuery
from mediamesh.search.postgres import repository as postgres_repository
from mediamesh.search.postgres import search as postgres_search
from mediamesh.search.postgres.repository import BuiltQuery, Counts, FilterShares
from mediamesh.settings import Settings
from tests.search.search_api import search

FACET_COLUMNS = {"contentType": "content_type", "category": "category", "language": "language"}


async def exact_counts(url: str, tsquery: str) -> tuple[int, dict[str, dict[str, int]]]:
    """The whole match set's total and facets, counted the slow way."""
    conn = await asyncpg.connect(url)
    try:
        where = "deleted_at IS NULL AND document @@ $1::tsquery"
        total = await conn.fetchval(f"SELECT count(*) FROM search_documents WHERE {where}", tsquery)
        facets = {}
        for name, column in FACET_COLUMNS.items():
            rows = await conn.fetch(
                f"SELECT {column} AS v, count(*) AS n FROM search_documents"
                f" WHERE {where} AND {column} IS NOT NULL GROUP BY 1",
                tsquery,
            )
            facets[name] = {row["v"]: row["n"] for row in rows}
    finally:
        await conn.close()
    return total, facets


async def test_counts_are_exact_up_to_the_cap(
    films_client: httpx.AsyncClient, films: Settings
) -> None:
    body = await search(films_client, q="film ", limit=1)
    total, _ = await exact_counts(films.database_url, "'film'")
    assert total > postgres_search.EXACT_COUNT_LIMIT  # so the default cap is at work
    assert body["countsExact"] is False
    pirates = await search(films_client, q="pirate ", limit=1)
    assert pirates["countsExact"] is True
    assert (pirates["total"], pirates["facets"]) == await exact_counts(
        films.database_url, "'pirat'"
    )


async def test_beyond_the_cap_counts_are_estimated_never_below_what_was_seen(
    films_client: httpx.AsyncClient, films: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(postgres_search, "EXACT_COUNT_LIMIT", 50)
    monkeypatch.setattr(postgres_search, "SAMPLE_ROWS", 3_000)
    first = await search(films_client, q="film ", limit=5)
    total, facets = await exact_counts(films.database_url, "'film'")
    assert first["countsExact"] is False
    assert 0.7 * total < first["total"] < 1.3 * total
    for name, counts in first["facets"].items():
        assert set(counts) <= set(facets[name])  # no value that does not match
        assert all(n >= 1 for n in counts.values())
    biggest = max(facets["contentType"], key=facets["contentType"].__getitem__)
    assert 0.7 * facets["contentType"][biggest] < first["facets"]["contentType"][biggest]
    # the same sample on the next page: the counts do not move
    second = await search(films_client, q="film ", limit=5, cursor=first["nextCursor"])
    assert (second["total"], second["facets"]) == (first["total"], first["facets"])
    assert not set(ids(first)) & set(ids(second))


async def test_a_sample_of_the_whole_table_is_exact(
    films_client: httpx.AsyncClient, films: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(postgres_search, "EXACT_COUNT_LIMIT", 50)
    monkeypatch.setattr(postgres_search, "SAMPLE_ROWS", 10_000_000)
    body = await search(films_client, q="film ", limit=1)
    assert body["countsExact"] is True
    assert (body["total"], body["facets"]) == await exact_counts(films.database_url, "'film'")


async def test_browsing_is_capped_the_same_way(
    films_client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(postgres_search, "EXACT_COUNT_LIMIT", 50)
    body = await search(films_client, q="", contentType="PROGRAM", limit=1)
    assert body["countsExact"] is False and body["total"] > 50
    assert set(body["facets"]["contentType"]) == {"PROGRAM"}


CAP = postgres_search.EXACT_COUNT_LIMIT + 1


def test_surely_over_the_cap_is_by_the_estimate_of_words_and_filters() -> None:
    def query(estimate: float | None) -> BuiltQuery:
        return BuiltQuery("'x'", None, "x", estimate=estimate, catalog_rows=1_000_000.0)

    assert query(1.5 * CAP).surely_over(CAP, 1.0)
    assert not query(1.5 * CAP - 1).surely_over(CAP, 1.0)
    assert not query(16 * CAP).surely_over(CAP, 0.09)  # a filter one in eleven passes
    assert not query(None).surely_over(CAP, 1.0)  # a phrase or an exclusion: not estimated


async def test_filter_shares_are_the_planner_statistics(films: Settings) -> None:
    conn = await asyncpg.connect(films.database_url)
    try:
        shares = FilterShares()
        rows = await conn.fetch(
            "SELECT content_type AS v, count(*)::float8 / sum(count(*)) OVER () AS share"
            " FROM search_documents GROUP BY 1"
        )
        for row in rows:
            share = await shares.share(conn, SearchQuery(q="x", content_type=row["v"]), 5.0)
            assert share == pytest.approx(row["share"], abs=0.05)
        nothing = SearchQuery(q="x", category="No Such Category")
        assert await shares.share(conn, nothing, 5.0) == 0.0  # unknown: rare
        assert await shares.share(conn, SearchQuery(q="x"), 5.0) == 1.0
    finally:
        await conn.close()


@pytest.mark.parametrize(
    "params",
    [
        {"q": "film ", "limit": 10},  # ~33,000 matches, table order (broad)
        {"q": "american film ", "limit": 20},
        {"q": "film ", "limit": 10, "contentType": "PROGRAM"},
        {"q": "silent ", "limit": 10},  # ~7,500: broad only when read to the page
    ],
)
async def test_a_match_set_surely_over_the_cap_gives_the_page_a_full_read_does(
    films: Settings,
    films_client: httpx.AsyncClient,
    monkeypatch: pytest.MonkeyPatch,
    params: dict[str, Any],
) -> None:
    """Read only as far as the page needs, a match set surely over the cap answers with the
    same pages and the same estimated total as when its first matches up to the cap are
    read; its facets are the same sample's, bounded below by fewer matches seen."""
    monkeypatch.setattr(postgres_repository, "_built", OrderedDict())
    read_to_the_cap = 0

    async def counted(*args: Any, **kwargs: Any) -> Any:
        nonlocal read_to_the_cap
        counts, rows = await read_search(*args, **kwargs)
        read_to_the_cap += counts.total >= CAP
        return counts, rows

    read_search = postgres_repository.read_search
    monkeypatch.setattr(postgres_repository, "read_search", counted)
    first = await search(films_client, **params)
    follow = await search(films_client, **params, cursor=first["nextCursor"])
    assert read_to_the_cap == 0  # read only as far as the page needs
    with monkeypatch.context() as patched:
        patched.setattr(BuiltQuery, "surely_over", lambda self, *args: False)
        full = await search(films_client, **params)
        full_follow = await search(films_client, **params, cursor=first["nextCursor"])
    assert read_to_the_cap == 2  # both read to the cap
    for short, whole in ((first, full), (follow, full_follow)):
        assert short["countsExact"] is whole["countsExact"] is False
        assert (short["items"], short["nextCursor"]) == (whole["items"], whole["nextCursor"])
        assert short["total"] == whole["total"] > postgres_search.EXACT_COUNT_LIMIT
        for name, counts in short["facets"].items():
            assert all(n <= whole["facets"][name][value] for value, n in counts.items())


def ids(body: dict[str, Any]) -> list[str]:
    return [item["contentId"] for item in body["items"]]


def test_the_estimate_keeps_every_value_seen_and_scales_the_sample() -> None:
    capped = Counts(51, True, {"category": {"Drama": 30, "Noir": 2}})
    sampled = Counts(40, False, {"category": {"Drama": 25, "Comedy": 15}})
    estimate = postgres_search.estimated(capped, sampled, 10.0)
    assert estimate == Counts(400, True, {"category": {"Drama": 250, "Comedy": 150, "Noir": 2}})
    assert postgres_search.estimated(capped, Counts(0, False, {"category": {}}), 50.0) == Counts(
        51, True, {"category": {"Drama": 30, "Noir": 2}}
    )


@pytest.mark.parametrize(
    ("rows", "percent"),
    [
        (None, 100.0),
        (-1.0, 100.0),
        (2_400.0, 100.0),
        (9_000.0, 25.0),
        (80_000.0, 3.125),
        (100_000.0, 1.5625),
    ],
)
def test_the_sample_holds_about_sample_rows(rows: float | None, percent: float) -> None:
    assert postgres_search.sample_percent(rows) == pytest.approx(percent)
