"""The PostgreSQL path through HTTP: facets, filters, pagination, highlights, browsing."""

from __future__ import annotations

import httpx

from mediamesh.settings import Settings
from tests.search.search_api import GODFATHER, document, ids, put, search, word
from tests.support import api_client


async def _index_set(client: httpx.AsyncClient, unique: str) -> str:
    """Six documents sharing a made-up word; returns the word."""
    w = word(unique)
    specs = [
        ("a", "PROGRAM", "Drama", "en", [f"noir {w}"]),
        ("b", "PROGRAM", "Drama", "en", []),
        ("c", "PROGRAM", "Drama", "de", []),
        ("d", "EPISODE", "Comedy", "fr", [f"noir {w}"]),
        ("e", "EPISODE", "Comedy", "fr", []),
        ("f", "PROGRAM", None, None, []),
    ]
    for suffix, content_type, category, language, tags in specs:
        body = document(
            f"{w} {suffix}", contentType=content_type, category=category, language=language
        )
        body["tags"] = tags
        response = await put(client, f"{unique}-{suffix}", body)
        assert response.status_code == 200, response.text
    return w


async def test_facets_count_the_whole_match_set(films: Settings, unique: str) -> None:
    async with api_client(films, "search") as client:
        w = await _index_set(client, unique)
        body = await search(client, q=w, limit=1)
        assert body["total"] == 6 and len(body["items"]) == 1
        assert body["facets"] == {
            "contentType": {"PROGRAM": 4, "EPISODE": 2},
            "category": {"Drama": 3, "Comedy": 2},
            "language": {"en": 2, "fr": 2, "de": 1},
        }


async def test_filters_narrow_results_and_facets(films: Settings, unique: str) -> None:
    async with api_client(films, "search") as client:
        w = await _index_set(client, unique)
        episodes = await search(client, q=w, contentType="EPISODE")
        assert sorted(ids(episodes)) == [f"{unique}-d", f"{unique}-e"]
        assert episodes["facets"]["category"] == {"Comedy": 2}
        drama_en = await search(client, q=w, category="Drama", language="en")
        assert sorted(ids(drama_en)) == [f"{unique}-a", f"{unique}-b"]
        tagged = await search(client, q=w, tag=f"noir {w}")
        assert sorted(ids(tagged)) == [f"{unique}-a", f"{unique}-d"]
        assert (await search(client, q=w, category="drama"))["total"] == 0  # exact values


async def test_an_empty_query_browses_the_filters_in_title_order(
    films: Settings, unique: str
) -> None:
    async with api_client(films, "search") as client:
        w = await _index_set(client, unique)
        body = await search(client, q="", tag=f"noir {w}", language="fr")
        assert ids(body) == [f"{unique}-d"]
        everything = await search(client, q="  ", contentType="EPISODE", category="Comedy")
        mine = [i for i in ids(everything) if i.startswith(unique)]
        assert mine == [f"{unique}-d", f"{unique}-e"]
        assert {item["score"] for item in everything["items"]} == {0.0}


async def test_pages_have_no_duplicates_or_gaps(films_client: httpx.AsyncClient) -> None:
    whole = await search(films_client, q="pirate", limit=100)
    assert 40 < whole["total"] <= 100 and whole["nextCursor"] is None
    pages: list[str] = []
    cursor = None
    while True:
        params = {"q": "pirate", "limit": 7} | ({"cursor": cursor} if cursor else {})
        body = await search(films_client, **params)
        assert body["total"] == whole["total"]
        pages.extend(ids(body))
        cursor = body["nextCursor"]
        if cursor is None:
            break
    assert pages == ids(whole)


async def test_a_cursor_continues_after_new_documents_arrive(films: Settings, unique: str) -> None:
    w = word(unique)
    async with api_client(films, "search") as client:
        for n in (1, 2, 3, 4):
            await put(client, f"{unique}-{n}", document(f"{w} {n}"))
        first = await search(client, q=w, limit=2)
        assert ids(first) == [f"{unique}-1", f"{unique}-2"]
        await put(client, f"{unique}-0", document(f"{w} 0"))  # would sort first
        second = await search(client, q=w, limit=2, cursor=first["nextCursor"])
        assert ids(second) == [f"{unique}-3", f"{unique}-4"]
        assert second["nextCursor"] is None


async def test_a_cursor_only_continues_its_own_query(films_client: httpx.AsyncClient) -> None:
    first = await search(films_client, q="godfather", limit=2)
    other = await films_client.get(
        "/v1/search", params={"q": "jaws", "cursor": first["nextCursor"]}
    )
    assert other.status_code == 400
    assert "another query" in other.json()["error"]["message"]
    filtered = await films_client.get(
        "/v1/search",
        params={"q": "godfather", "category": "Crime", "cursor": first["nextCursor"]},
    )
    assert filtered.status_code == 400


async def test_highlights_mark_matches_and_escape_html(films: Settings, unique: str) -> None:
    w = word(unique)
    description = " ".join(["filler"] * 60 + [f"the {w} appears", "here"] + ["more"] * 60)
    async with api_client(films, "search") as client:
        await put(client, unique, document(f"Tom & Jerry <3 {w}!", description=description))
        item = (await search(client, q=w))["items"][0]
    assert item["title"] == f"Tom & Jerry <3 {w}!"
    assert item["highlights"]["title"] == f"Tom &amp; Jerry &lt;3 <mark>{w}</mark>!"
    fragment = item["highlights"]["description"]
    assert f"<mark>{w}</mark>" in fragment
    assert len(fragment.split()) < 40  # a fragment, not the whole description


async def test_highlights_mark_prefix_matches(films_client: httpx.AsyncClient) -> None:
    body = await search(films_client, q="the godfa", limit=20)
    item = next(i for i in body["items"] if i["contentId"] == GODFATHER)
    assert item["highlights"]["title"] == "The <mark>Godfather</mark>"
    assert "<mark>Godfather</mark>" in item["highlights"]["description"]
