"""The catalog-values check in front of the lists, as pure logic (its PostgreSQL query runs in
tests/discovery/test_lists_key_space.py on the real database)."""

from __future__ import annotations

import asyncio

import pytest

from mediamesh.discovery.known_filters import KnownFilters
from mediamesh.discovery.models import ListQuery
from mediamesh.errors import NotFound, PostgresUnavailable


class Catalog:
    def __init__(self, *values: tuple[str, str]) -> None:
        self.values = set(values)
        self.asked: list[tuple[str, str]] = []
        self.down = False

    async def has(self, column: str, value: str) -> bool:
        self.asked.append((column, value))
        await asyncio.sleep(0)
        if self.down:
            raise PostgresUnavailable("down")
        return (column, value) in self.values


async def test_found_values_are_remembered_missing_ones_never() -> None:
    catalog, now = Catalog(("category", "Drama")), [0.0]
    known = KnownFilters(catalog.has, max_values=10, recheck_seconds=60, clock=lambda: now[0])
    await asyncio.gather(*(known.check(ListQuery(category="Drama")) for _ in range(5)))
    await known.check(ListQuery(category="Drama"))
    assert catalog.asked == [("category", "Drama")]  # one shared query, then remembered
    for _ in range(3):
        with pytest.raises(NotFound, match="'Nope'"):
            await known.check(ListQuery(category="Nope"))
    assert catalog.asked.count(("category", "Nope")) == 3 and len(known) == 1
    catalog.values.add(("category", "Nope"))  # published meanwhile: found at once
    await known.check(ListQuery(category="Nope"))
    now[0] = 61.0  # rechecked after LIST_FILTER_RECHECK_SECONDS: gone from the catalog
    catalog.values.discard(("category", "Drama"))
    with pytest.raises(NotFound):
        await known.check(ListQuery(category="Drama"))


async def test_it_is_bounded_and_lets_the_tiers_answer_while_postgresql_fails() -> None:
    catalog = Catalog(*(("language", f"l{n}") for n in range(5)))
    known = KnownFilters(catalog.has, max_values=3, recheck_seconds=0)
    for n in range(5):
        await known.check(ListQuery(language=f"l{n}"))
    assert len(known) == 3
    catalog.down = True
    await known.check(ListQuery(language="l4"))  # known: still served from the tiers
    await known.check(ListQuery(language="l0"))  # unknown: the tiers answer if they can
    assert len(known) == 3  # and nothing is remembered while PostgreSQL cannot tell
    catalog.down = False
    with pytest.raises(NotFound):
        await known.check(ListQuery(language="never"))
    await known.check(ListQuery())  # no filter: nothing to check
