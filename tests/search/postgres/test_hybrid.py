"""When every word finds too little: match most words (ranked by how many and how rare),
with filters, phrases, exclusions, counts and cursors still exact; and popularity as a
tie-break. Through HTTP on the films database; each test's documents share a tag of their
own, and every search filters on it, so the sample films never enter the match set."""

from __future__ import annotations

import asyncio
import math
import random
from datetime import UTC, datetime
from typing import Any

import httpx

from mediamesh.search import popularity
from mediamesh.search.postgres import relaxed
from mediamesh.settings import Settings
from mediamesh.storage import postgres
from mediamesh.storage.migrations import migrate
from tests.search.search_api import document, ids, put, search, word
from tests.support import api_client


def _words(unique: str, n: int) -> list[str]:
    base = word(unique)
    return [f"{base}x{letter}k" for letter in "bcdfghjlmnp"[:n]]


async def _index(client: httpx.AsyncClient, unique: str, docs: dict[str, dict[str, Any]]) -> None:
    for suffix, fields in docs.items():
        body = document(fields.pop("title", f"film {suffix}"), tags=[unique], **fields)
        response = await put(client, f"{unique}-{suffix}", body)
        assert response.status_code == 200, response.text


async def test_documents_with_most_of_the_words_are_found_more_first(
    films: Settings, unique: str
) -> None:
    w = _words(unique, 5)
    async with api_client(films, "search") as client:
        await _index(
            client,
            unique,
            {
                "four": {"description": " ".join(w[:4])},
                "three": {"description": " ".join(w[1:4])},
                "two": {"description": f"{w[0]} {w[4]}"},
                "one": {"description": w[2]},
                "none": {"description": "nothing in common"},
            },
        )
        strict = await search(client, q=" ".join(w[:2]), tag=unique)
        assert sorted(ids(strict)) == [f"{unique}-four"]  # both words: not relaxed

        body = await search(client, q=" ".join(w), tag=unique)  # nobody has all five
        assert ids(body) == [f"{unique}-four", f"{unique}-three", f"{unique}-two"]
        assert body["total"] == 3 and body["countsExact"]
        assert body["facets"]["contentType"] == {"PROGRAM": 3}
        assert [item["matchedBy"] for item in body["items"]] == [["text"]] * 3
        scores = [item["score"] for item in body["items"]]
        assert scores == sorted(scores, reverse=True) and scores[0] > scores[1] > scores[2]
        assert "<mark>" in body["items"][0]["highlights"]["description"]


async def test_a_word_is_found_by_its_synonyms(films: Settings, unique: str) -> None:
    # "kids" and "dad" (search_synonyms): the text says "children" and "father"
    w = _words(unique, 2)
    async with api_client(films, "search") as client:
        await _index(
            client,
            unique,
            {
                "synonyms": {"description": f"{w[0]} a father takes his children to sea"},
                "plain": {"description": f"{w[0]} a sailor takes his cat to sea"},
            },
        )
        body = await search(client, q=f"{w[0]} {w[1]} kids dad", tag=unique)
        assert ids(body) == [f"{unique}-synonyms"]  # 3 of the 4 words; "plain" has 1
        assert body["items"][0]["matchedBy"] == ["text"]
        marked = body["items"][0]["highlights"]["description"]
        assert "<mark>father</mark>" in marked and "<mark>children</mark>" in marked


async def test_rare_words_weigh_more_than_common_ones(films: Settings, unique: str) -> None:
    w = _words(unique, 4)
    docs: dict[str, dict[str, Any]] = {
        "rare": {"title": "zz last by title", "description": f"{w[0]} {w[1]}"},
    }
    docs |= {f"common{i}": {"description": f"{w[2]} {w[3]}"} for i in range(5)}
    async with api_client(films, "search") as client:
        await _index(client, unique, docs)
        async with postgres.connect(films.database_url) as conn:
            await conn.execute("ANALYZE search_documents")
            await relaxed.refresh_terms(conn)
            stats = await relaxed.term_stats(conn, [w[0], w[2]], 5.0)
        assert stats.weights[w[0]] > stats.weights[w[2]] > 0  # in 1 document, in 5
        assert stats.documents == {w[2]: 5}  # one document: not counted
        body = await search(client, q=" ".join(w), tag=unique)  # nobody has all four
        assert ids(body)[0] == f"{unique}-rare" and body["total"] == 6


async def test_phrases_and_exclusions_hold_for_every_relaxed_match(
    films: Settings, unique: str
) -> None:
    w = _words(unique, 6)
    async with api_client(films, "search") as client:
        await _index(
            client,
            unique,
            {
                "phrase": {"description": f"{w[0]} {w[1]} {w[3]} {w[4]}"},
                "apart": {"description": f"{w[0]} {w[1]} {w[2]} {w[4]} then {w[3]}"},
                "excluded": {"description": f"{w[0]} {w[1]} {w[3]} {w[4]} {w[5]}"},
            },
        )
        q = f'{w[0]} {w[1]} {w[2]} "{w[3]} {w[4]}" -{w[5]}'
        body = await search(client, q=q, tag=unique)
        assert ids(body) == [f"{unique}-phrase"] and body["total"] == 1


async def test_relaxed_pages_follow_each_other_without_gaps_or_repeats(
    films: Settings, unique: str
) -> None:
    w = _words(unique, 4)
    docs = {f"d{i:02d}": {"description": " ".join(w[: 2 + i % 2])} for i in range(12)}
    async with api_client(films, "search") as client:
        await _index(client, unique, docs)
        q = " ".join(w)  # four words: nobody has them all
        seen: list[str] = []
        scores: list[float] = []
        cursor = None
        for _ in range(5):
            params: dict[str, Any] = {"q": q, "tag": unique, "limit": 5}
            if cursor:
                params["cursor"] = cursor
            body = await search(client, **params)
            assert body["total"] == 12
            seen += ids(body)
            scores += [item["score"] for item in body["items"]]
            cursor = body["nextCursor"]
            if not cursor:
                break
        assert sorted(seen) == sorted(f"{unique}-{name}" for name in docs)
        assert scores == sorted(scores, reverse=True)
        # a relaxed cursor is not a cursor of the same words in another query
        other = await client.get(
            "/v1/search", params={"q": " ".join(w[:3]), "tag": unique, "cursor": cursor or "p.h~x"}
        )
        assert other.status_code == 400


async def test_popularity_orders_equal_matches_but_never_a_clearly_better_one(
    films: Settings, unique: str
) -> None:
    w = _words(unique, 2)
    async with api_client(films, "search") as client:
        await _index(
            client,
            unique,
            {
                "a": {"title": f"{w[0]} {w[1]}"},
                "b": {"title": f"{w[0]} {w[1]}"},
                "weak": {"description": f"{w[0]} and later {w[1]}"},
            },
        )
        before = await search(client, q=f"{w[0]} {w[1]}", tag=unique)
        assert ids(before) == [f"{unique}-a", f"{unique}-b", f"{unique}-weak"]
        async with postgres.connect(films.database_url) as conn:
            await conn.executemany(
                "INSERT INTO search_popularity (content_id, popularity) VALUES ($1, $2)",
                [(f"{unique}-b", 0.9), (f"{unique}-weak", 1.0)],
            )
        after = await search(client, q=f"{w[0]} {w[1]}", tag=unique)
        assert ids(after) == [f"{unique}-b", f"{unique}-a", f"{unique}-weak"]

        suggestions = await client.get("/v1/search/suggest", params={"q": w[0]})
        offered = [s["contentId"] for s in suggestions.json()["suggestions"]]
        assert offered.index(f"{unique}-b") < offered.index(f"{unique}-a")


async def test_pages_ordered_with_popularity_are_the_one_page_order_cut_up(
    films: Settings, unique: str
) -> None:
    """Only the candidates that can reach a page get their popularity read (sql._RANKED):
    40 matches of near text scores, popularity drawn at random, paged 3 at a time,
    come in exactly the order of one page of them all (which reads every popularity)."""
    w = word(unique)
    rng = random.Random(unique)
    # the word in every title, then i more short words: the title's trigram similarity to
    # the query, and so the text score, falls by far less than POPULARITY_WEIGHT with each
    docs = {
        f"{i:02d}": {
            "title": " ".join(
                [w] + [f"k{chr(97 + j % 26)}{chr(97 + j * 7 % 26)}" for j in range(i)]
            )
        }
        for i in range(15, 55)
    }
    async with api_client(films, "search") as client:
        await _index(client, unique, docs)
        plain = ids(await search(client, q=w, tag=unique, limit=100))
        async with postgres.connect(films.database_url) as conn:
            await conn.executemany(
                "INSERT INTO search_popularity (content_id, popularity) VALUES ($1, $2)",
                [(f"{unique}-{suffix}", rng.random()) for suffix in docs],
            )
        whole = await search(client, q=w, tag=unique, limit=100)
        assert whole["total"] == 40 and len(ids(whole)) == 40
        assert ids(whole) != plain  # popularity reordered near text scores
        paged: list[str] = []
        cursor = None
        while True:
            params = {"q": w, "tag": unique, "limit": 3, **({"cursor": cursor} if cursor else {})}
            body = await search(client, **params)
            paged += ids(body)
            cursor = body["nextCursor"]
            if not cursor:
                break
    assert paged == ids(whole)


async def test_popularity_is_engagement_on_a_log_scale(films: Settings, unique: str) -> None:
    # the refresh reads the catalog's items and the daily rollups: a database of its own
    url = films.database_url + "_pop"
    await postgres.ensure_database(url)
    try:
        async with postgres.connect(url) as conn:
            await migrate(conn)
            await conn.execute(
                "INSERT INTO catalog_items (content_id, content_type, title) "
                "VALUES ('hit', 'PROGRAM', 'Hit'), ('niche', 'PROGRAM', 'Niche'), "
                "('unseen', 'PROGRAM', 'Unseen')"
            )
            now = datetime(2026, 12, 4, 12, tzinfo=UTC)
            await conn.execute(
                """INSERT INTO engagement_daily (bucket, item_id, views, likes, completes)
                   SELECT d, c.item_id, v, l, k
                   FROM (VALUES ('hit', 99, 0, 0, '2026-12-03'::date),
                                ('niche', 5, 1, 1, '2026-12-01'::date),
                                ('niche', 1000, 0, 0, '2026-10-01'::date)) AS x(id, v, l, k, d)
                   JOIN catalog_items c ON c.content_id = x.id"""
            )
            assert await popularity.refresh(conn, films, now) == 2
            rows = dict(await conn.fetch("SELECT content_id, popularity FROM search_popularity"))
        assert rows["hit"] == 1.0  # the most watched
        # 5 views + 2 x 1 like + 3 x 1 complete = 10; the October views are too old
        assert math.isclose(rows["niche"], math.log(11) / math.log(100), rel_tol=1e-6)
        assert "unseen" not in rows
    finally:
        await postgres.drop_database(url)


async def test_word_counts_refreshed_twice_at_once_both_succeed(films: Settings) -> None:
    # the statistics job and maintenance may refresh together: one waits for the other
    async with (
        postgres.connect(films.database_url) as first,
        postgres.connect(films.database_url) as second,
    ):
        counted = await asyncio.gather(relaxed.refresh_terms(first), relaxed.refresh_terms(second))
    assert counted[0] == counted[1] > 0
