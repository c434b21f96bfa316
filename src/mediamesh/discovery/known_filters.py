"""Lists exist only for the catalog's categories and languages: a filter value no published
item has is refused (404) before any tier is read, anything computed, cached or registered,
so clients cannot grow the key space with made-up values.

"Does the catalog have it?" is an indexed EXISTS in PostgreSQL (ranking/repository.py
`catalog_has`). Values found are remembered in a bounded set for LIST_FILTER_RECHECK_SECONDS,
so a hot list costs no query; values not found are never remembered (a negative cache
would grow with every made-up value), and concurrent checks of one value share one query.
An item added by another process with a new category is found by the next request's query.
While PostgreSQL fails, every value is let through to the tiers: a list cached while it
worked is still served, and a made-up value finds no copy and cannot be computed (503), so
nothing is cached for it either.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from mediamesh.cache.single_flight import SingleFlight
from mediamesh.discovery.models import ListQuery
from mediamesh.errors import DependencyError, NotFound

CATEGORY, LANGUAGE = "category", "language"


class KnownFilters:
    def __init__(
        self,
        has: Callable[[str, str], Awaitable[bool]],
        max_values: int,
        recheck_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """`has(column, value)`: whether a published item has it (raises what PostgreSQL
        raises: the caller answers 503 rather than guess)."""
        self._has = has
        self._max = max_values
        self._recheck = recheck_seconds
        self._clock = clock
        self._known: dict[tuple[str, str], float] = {}  # → when last confirmed; oldest first
        self._checks: SingleFlight[tuple[str, str], bool] = SingleFlight()

    def __len__(self) -> int:
        return len(self._known)

    async def check(self, query: ListQuery) -> None:
        """Return when the catalog has the query's category and language (when set); raise
        NotFound naming the first it does not have."""
        for column, value in ((CATEGORY, query.category), (LANGUAGE, query.language)):
            if value is not None and not await self._known_value(column, value):
                raise NotFound(
                    f"no published catalog item has {column} {value!r}: there is no such list"
                )

    async def _known_value(self, column: str, value: str) -> bool:
        entry = (column, value)
        confirmed = self._known.get(entry)
        now = self._clock()
        if confirmed is not None and now - confirmed < self._recheck:
            return True
        try:
            found, _ = await self._checks.run(entry, lambda: self._has(column, value))
        except DependencyError:
            # PostgreSQL fails: let the tiers answer (a copy made while it worked is served);
            # a made-up value finds none, and its computation fails too, so nothing is cached
            # or registered for it. Checked again next time, remembered only when found.
            return True
        self._known.pop(entry, None)
        if found:
            self._known[entry] = now
            while len(self._known) > self._max:
                del self._known[next(iter(self._known))]
        return found
