"""Warming the query path before a server takes its first search.

A connection's first run of each search statement costs far more than the next ones:
asyncpg prepares it and reads the types it uses, and the new PostgreSQL backend loads the
catalog entries of every table, index and function the plan touches. Measured at 1M
documents, a fresh server's first filtered search took 43-48 ms where the same kind took
~25 ms afterwards, and a sample server's first searches 60-110 ms. `warm` runs each kind of
statement once on SEARCH_WARM_UP_CONNECTIONS connections of both query pools (and the
model's first inferences), in the background as the server starts (search/runtime.py).

Nothing waits for it: serving starts at once, and a warm-up that fails or runs out of time
(PostgreSQL down or slow at start) is logged; the first searches are then cold, as without it.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from typing import cast

import asyncpg

from mediamesh.search.models import SearchQuery
from mediamesh.search.postgres import search as postgres_search
from mediamesh.search.stores import SearchStores

log = logging.getLogger(__name__)

WARM_SECONDS = 10.0

# Each warmed connection searches words of its own: built queries are cached by their text
# in the process (postgres/repository.build_query), and a connection that found its query
# built would never run the statement that builds one. Common words in any catalog.
_WORDS = (
    ("love", "war", "a man who returns home after the war"),
    ("night", "day", "a girl who runs away from home"),
    ("house", "city", "a family moves into a haunted house"),
    ("death", "life", "a detective hunts a killer in the city"),
    ("river", "sea", "friends travel down a river on a raft"),
    ("king", "queen", "a prince must win back his kingdom"),
    ("school", "college", "students fall in love at school"),
    ("money", "bank", "a gang plans to rob a bank"),
    ("ghost", "spirit", "a ghost haunts the family that buys his house"),
    ("train", "station", "strangers meet on a train across the country"),
    ("island", "ocean", "survivors of a shipwreck live on an island"),
    ("horse", "ranch", "a cowboy defends his ranch from cattle thieves"),
    ("doctor", "hospital", "a doctor falls in love with a patient"),
    ("music", "band", "a young singer joins a band on the road"),
    ("war", "army", "soldiers are trapped behind enemy lines"),
    ("baby", "mother", "a mother searches for her stolen baby"),
)
MAX_CONNECTIONS = len(_WORDS) // 2  # a pair of word sets per connection


def _queries(
    word: str,
    other: str,
    description: str,
    content_type: str | None = None,
    category: str | None = None,
) -> list[SearchQuery]:
    """One search of each kind of statement."""
    return [
        SearchQuery(q=text, content_type=content_type, category=category)
        for text in (
            word,  # the strict statement (a large match set: its counts are sampled)
            word[:-1] + "q",  # too few matches: typo-tolerant titles
            description,  # meaning and most words (the hybrid statement)
            f"{word} -{other}",  # an exclusion
            f'"the {word}"',  # a phrase
            "",  # browse
        )
    ]


async def warm(stores: SearchStores) -> None:
    """Run the warm-up queries on SEARCH_WARM_UP_CONNECTIONS connections of each query pool,
    held together so that they are distinct ones; never raises (see the module's docstring)."""
    plain, filtered = stores.query_pool, stores.filtered_query_pool
    if plain is None or filtered is None:
        return  # no pools of their own for the query path
    count = min(
        stores.settings.search_warm_up_connections,
        MAX_CONNECTIONS,
        plain.get_max_size(),
        filtered.get_max_size(),
    )
    if count == 0:
        return
    started = time.perf_counter()
    try:
        async with asyncio.timeout(WARM_SECONDS), AsyncExitStack() as held:
            runs = []
            for i in range(count):
                pinned = _pinned(
                    stores,
                    await held.enter_async_context(plain.acquire()),
                    await held.enter_async_context(filtered.acquire()),
                )
                runs.append(_run(pinned, _WORDS[2 * i], _WORDS[2 * i + 1]))
            await asyncio.gather(*runs)
    except Exception as exc:  # PostgreSQL down or slow at start: serve cold
        log.warning("search not warmed up (%r): the first searches will be slower", exc)
        return
    log.info("search warmed up in %.0f ms", 1000 * (time.perf_counter() - started))


async def _run(
    stores: SearchStores, plain: tuple[str, str, str], filtered: tuple[str, str, str]
) -> None:
    """Every kind on the connection of each pool `stores` holds."""
    for query in (
        *_queries(*plain),
        *_queries(*filtered, content_type="PROGRAM", category="Drama"),
    ):
        await postgres_search.search(stores, query)
    await postgres_search.suggest(stores, plain[0][:3], 10)
    if stores.dynamodb_open:  # every DynamoDB answer is checked against PostgreSQL
        await postgres_search.live_ids(stores, ["warm-up"])


class _Held:
    """A pool of one connection, already acquired: what `stores` reads with while warming."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    def acquire(
        self, timeout: float | None = None
    ) -> contextlib.AbstractAsyncContextManager[asyncpg.Connection]:
        return _holding(self._conn)


@contextlib.asynccontextmanager
async def _holding(conn: asyncpg.Connection) -> AsyncIterator[asyncpg.Connection]:
    yield conn


def _pinned(
    stores: SearchStores, plain: asyncpg.Connection, filtered: asyncpg.Connection
) -> SearchStores:
    return dataclasses.replace(
        stores,
        query_pool=cast(asyncpg.Pool, _Held(plain)),
        filtered_query_pool=cast(asyncpg.Pool, _Held(filtered)),
    )
