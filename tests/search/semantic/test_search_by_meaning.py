"""Search by meaning through HTTP, with the real model, on a small corpus of the test's own:
a description finds the film it describes without sharing its words; operators and filters
still hold for every result; a named film's answer stays the strict one."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from mediamesh.search.semantic import index as index_module
from tests.conftest import Stack
from tests.search.search_api import ids, search
from tests.search.semantic.embedding_support import due, film, index, own_pool, wait_for
from tests.support import api_client

WHALE = "whale"
VOYAGE = "voyage"  # a long text, one of whose passages tells a detail
CORPUS = [
    film(
        WHALE,
        "The Keeper",
        "A lonely lighthouse keeper befriends a stranded whale and helps it return to the ocean.",
        category="Drama",
    ),
    film("bakers", "Rising", "Two rival bakers in Paris compete for the title of best croissant."),
    film("hacker", "Root Access", "A hacker uncovers a conspiracy inside a bank's computers."),
    film(
        VOYAGE,
        "The Long Voyage",
        "A merchant captain sails his ship from Boston to Canton and back over three years, "
        "trading furs, tea and silk through storms, mutinies and a season of fever in port. "
        "On the way home his young daughter secretly raises an orphaned baby owl in the hold, "
        "and the crew argue over cargo, wages and the route around Cape Horn.",
    ),
    film("war", "Trenches", "Soldiers hold a muddy front line through a long winter of shelling."),
    film(
        "tower",
        "Light Tower",
        "A documentary about old lighthouses and the engineers who built them.",
        category="Documentary",
    ),
]
DESCRIBED = "man who looks after a light tower saves a beached sea creature"


async def _ready(client: httpx.AsyncClient, pool: Any) -> None:
    """Every document has its vector, and this app's index holds it."""
    await wait_for(lambda: _none_due(pool), "every document embedded")

    async def found_by_meaning() -> bool:
        body = await search(client, q=DESCRIBED)
        return any("meaning" in item["matchedBy"] for item in body["items"])

    await wait_for(found_by_meaning, "the vectors in the app's index")


@asynccontextmanager
async def _searching(
    stack: Stack, unique: str, **overrides: Any
) -> AsyncIterator[httpx.AsyncClient]:
    """The search API on a database of the test's own holding CORPUS, every vector in its
    index."""
    async with own_pool(stack, unique) as (url, pool):
        await index(pool, CORPUS)
        settings = stack.settings(database_url=url, dynamodb_enabled=False, **overrides)
        async with api_client(settings, "search") as client:
            await _ready(client, pool)
            yield client


_VECTOR_GAUGE = re.compile(r"^mediamesh_search_vector_(index|graph)_vectors (\S+)$", re.MULTILINE)


async def _vector_gauges(client: httpx.AsyncClient) -> dict[str, float]:
    response = await client.get("/metrics")
    assert response.status_code == 200
    return {kind: float(value) for kind, value in _VECTOR_GAUGE.findall(response.text)}


async def _none_due(pool: Any) -> bool:
    return not await due(pool)


async def test_a_description_finds_the_film_by_meaning(stack: Stack, unique: str) -> None:
    async with _searching(stack, unique) as client:
        body = await search(client, q=DESCRIBED)
        first = body["items"][0]
        assert first["contentId"] == WHALE
        assert "meaning" in first["matchedBy"]
        assert body["total"] == len(body["items"])  # a bounded, exactly counted set
        # the unrelated films are not near enough to be matches
        assert not {"bakers", "hacker"} & set(ids(body))


async def test_operators_and_filters_hold_for_matches_by_meaning(stack: Stack, unique: str) -> None:
    async with _searching(stack, unique) as client:
        excluded = await search(client, q=f"{DESCRIBED} -whale")
        assert WHALE not in ids(excluded)
        phrase = await search(client, q=f'{DESCRIBED} "croissant"')
        assert ids(phrase) in ([], ["bakers"])  # only what has the phrase, if anything
        filtered = await search(client, q=DESCRIBED, category="Documentary")
        assert WHALE not in ids(filtered)
        assert set(ids(filtered)) <= {"tower"}


async def test_a_named_film_keeps_its_strict_answer(stack: Stack, unique: str) -> None:
    async with _searching(stack, unique) as client:
        body = await search(client, q="light tower")
        assert ids(body) == ["tower"]  # its title has every word: no relaxation, no vectors
        assert body["items"][0]["matchedBy"] == ["text"]


async def test_a_detail_told_in_passing_is_found_by_its_passage(stack: Stack, unique: str) -> None:
    async with _searching(stack, unique) as client:
        body = await search(client, q="little girl hides a pet bird she rescued")
        first = body["items"][0]
        assert first["contentId"] == VOYAGE
        assert first["matchedBy"] == ["meaning"]


async def test_an_or_that_finds_too_little_is_relaxed_too(stack: Stack, unique: str) -> None:
    async with _searching(stack, unique) as client:
        # people write "or" in a description: as an operator it matches nothing here
        body = await search(client, q="keeper of a tower or a man who rescues a sea creature")
        first = body["items"][0]
        assert first["contentId"] == WHALE
        assert "meaning" in first["matchedBy"]


async def test_a_graph_of_the_vectors_finds_what_the_scan_finds(
    stack: Stack, unique: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a graph from the first vector on (in production: from 150,000), searched however few
    # rows the index holds (in production: when it proposes under a hundredth of them)
    monkeypatch.setattr(index_module, "GRAPH_SCAN_RATIO", 0)
    async with _searching(stack, unique, search_vector_graph_min_vectors=1) as client:

        async def graph_holds_every_vector() -> bool:
            gauges = await _vector_gauges(client)
            return gauges["graph"] == gauges["index"] > 0

        await wait_for(graph_holds_every_vector, "the graph holding every vector")
        described = await search(client, q=DESCRIBED)
        assert described["items"][0]["contentId"] == WHALE
        assert not {"bakers", "hacker"} & set(ids(described))
        passage = await search(client, q="little girl hides a pet bird she rescued")
        assert passage["items"][0]["contentId"] == VOYAGE
        assert passage["items"][0]["matchedBy"] == ["meaning"]


async def test_without_a_graph_the_gauge_says_so(stack: Stack, unique: str) -> None:
    async with _searching(stack, unique) as client:  # 6 documents: far below 150,000 vectors
        gauges = await _vector_gauges(client)
        assert gauges["index"] >= len(CORPUS) and gauges["graph"] == 0
