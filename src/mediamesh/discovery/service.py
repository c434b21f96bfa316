"""The discovery service: lists served through the near cache and the cache-aside chain,
takedowns applied everywhere. Built by runtime.running; the routes call it."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import replace
from typing import TypeVar

from mediamesh.cache.background import BackgroundTasks
from mediamesh.cache.chain import CacheChain
from mediamesh.cache.metrics import ChainMetrics
from mediamesh.cache.near_cache import NearCache
from mediamesh.cache.stale import StaleCopies
from mediamesh.discovery.cached_list import CachedList, ListKey
from mediamesh.discovery.models import ListContentType, ListKind, ListQuery
from mediamesh.discovery.refresh_ahead import RefreshAhead
from mediamesh.discovery.rendering import RenderedList, render, with_source
from mediamesh.discovery.takedown_feed import RedisTakedownStore
from mediamesh.discovery.takedowns import RecentTakedowns
from mediamesh.discovery.tiers.redis import RedisListStore
from mediamesh.errors import DependencyError

log = logging.getLogger(__name__)

T = TypeVar("T")

PLAIN_QUERIES = tuple(ListQuery(content_type) for content_type in ListContentType)
PURGE_CONCURRENCY = 16


class DiscoveryService:
    def __init__(
        self,
        *,
        chain: CacheChain[ListKey, CachedList],
        key: Callable[[ListKind, ListQuery], ListKey],
        near: NearCache[tuple[ListKey, int], RenderedList],
        refresh: RefreshAhead,
        takedowns: RecentTakedowns,
        takedown_store: RedisTakedownStore,
        registry: RedisListStore,
        background: BackgroundTasks,
        redis_budget_seconds: float,
        stale: StaleCopies[ListKey, CachedList] | None = None,
        stale_after_seconds: float = 0.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.chain = chain
        self.key = key
        self.near = near
        self.refresh = refresh
        self.takedowns = takedowns
        self.background = background
        self.takedown_store = takedown_store
        self._registry = registry
        self._redis_budget = redis_budget_seconds
        self.stale: StaleCopies[ListKey, CachedList] = StaleCopies(0, 1) if stale is None else stale
        self._stale_after = stale_after_seconds
        self._clock = clock

    @property
    def metrics(self) -> ChainMetrics:
        return self.chain.metrics

    async def get_list(self, kind: ListKind, query: ListQuery, limit: int) -> RenderedList:
        """The first `limit` items of the list, from the near cache or the chain; when no
        tier has it and PostgreSQL fails, the last good copy within STALE_GRACE_SECONDS
        (`stale` set). Raises PostgresUnavailable when there is none."""
        cached = self.near_hit(kind, query, limit)
        if cached is not None:
            return cached
        return await self._load(self.key(kind, query), query, limit)

    def near_hit(self, kind: ListKind, query: ListQuery, limit: int) -> RenderedList | None:
        """The near cache's copy, without I/O; None when it has none to serve. A copy past
        its TTL is still served (see NearCache) while the first request to find it so
        refreshes it in the background: the others never wait for a tier."""
        key = self.key(kind, query)
        found = self.near.lookup((key, limit), time.monotonic())
        if found is None:
            return None
        cached, refresh = found
        if refresh:
            self.background.submit(self._refresh_near(key, query, limit), f"near {key.kind}")
        self.refresh.note(key, cached.expires_at)
        return cached

    async def _refresh_near(self, key: ListKey, query: ListQuery, limit: int) -> None:
        try:
            await self._load(key, query, limit)  # puts the fresh copy in the near cache
        except DependencyError as exc:  # the copy is served until its stale window ends
            log.warning("refreshing the near cache's %s list failed: %s", key.kind, exc)

    async def _load(self, key: ListKey, query: ListQuery, limit: int) -> RenderedList:
        """From the chain; the last good copy when it fails, or when it is slower than
        STALE_IF_SLOW_SECONDS (a hanging PostgreSQL: the computation's budget is longer) and
        there is one: the read then goes on in the background and fills the tiers."""
        if self._stale_after <= 0 or self.stale.get(key, self._clock()) is None:
            try:
                return await self._fetch(key, query, limit)
            except DependencyError:
                return self._stale_or_raise(key, query, limit)
        fetch = asyncio.create_task(self._fetch(key, query, limit))
        await asyncio.wait({fetch}, timeout=self._stale_after)
        if not fetch.done():
            stale = self._stale(key, query, limit)
            if stale is not None:
                self.background.submit(_finish(fetch), f"slow {key.kind} list")
                return stale
        try:
            return await fetch
        except DependencyError:
            return self._stale_or_raise(key, query, limit)

    def _stale_or_raise(self, key: ListKey, query: ListQuery, limit: int) -> RenderedList:
        """In an `except DependencyError` block: the stale copy, or the error again."""
        stale = self._stale(key, query, limit)
        if stale is None:
            raise  # the DependencyError being handled by the caller
        return stale

    async def _fetch(self, key: ListKey, query: ListQuery, limit: int) -> RenderedList:
        hit = await self.chain.get(key)
        self.stale.keep(key, hit.value)
        # no await from here on: a takedown cannot slip between the filter and the near cache
        value = self.takedowns.apply(hit.value)
        rendered = render(query.content_type, value, limit, hit.source)
        self.refresh.note(key, value.expires_at)
        now = time.monotonic()
        not_after = now + (value.expires_at - self._clock())
        self.near.put((key, limit), with_source(rendered, value, "memory"), now, not_after)
        return rendered

    def _stale(self, key: ListKey, query: ListQuery, limit: int) -> RenderedList | None:
        """The last good copy, marked stale, if it may still be served. Stale answers skip
        the near cache, so the fresh list is served as soon as there is one."""
        copy = self.stale.get(key, self._clock())
        if copy is None:
            return None
        self.metrics.stale_served += 1
        value = self.takedowns.apply(copy)
        return replace(render(query.content_type, value, limit, "memory"), stale=True)

    def announce(self, content_ids: Sequence[str]) -> None:
        """A takedown just committed here: stop serving the items (and a program's episodes)
        in this process, and tell the others through Redis (their fast path; the takedown log
        in PostgreSQL reaches them anyway). Never raises."""
        if not content_ids:
            return
        at = self._clock()
        self.on_takedown(list(content_ids), at)
        # in the background: a hanging Redis must not hold up the answer (the log in
        # PostgreSQL reaches every process anyway)
        notice = self._guarded("announcing a takedown", self.takedown_store.record(content_ids, at))
        self.background.submit(notice, "takedown notice")

    async def purge(self, content_ids: Collection[str]) -> bool:
        """Remove the items from every cached list in every tier: the plain lists, the ones
        this process refreshes, and every list in the registry. Returns whether it is done
        (every tier reached for every list); the caller bounds it in time and tries again."""
        ids = frozenset(content_ids)
        keys = await self._known_keys()
        if keys is None:
            return False
        limit = asyncio.Semaphore(PURGE_CONCURRENCY)

        async def purge(key: ListKey) -> bool:
            async with limit:
                return await self.chain.rewrite(key, lambda value: value.without(ids))

        return all(await asyncio.gather(*(purge(key) for key in keys)))

    def on_takedown(self, content_ids: list[str], at: float) -> None:
        """A takedown here or in another process: filter it from now on, drop rendered bytes."""
        self.takedowns.prune(self._clock())
        self.takedowns.add(content_ids, at)
        self.near.clear()
        ids = frozenset(content_ids)
        self.stale.rewrite(lambda value: value.without(ids))

    async def catch_up(self) -> None:
        """Learn the takedowns announced while this process was not listening."""
        recent = await self.takedown_store.recent(self._clock())
        for content_id, at in recent.items():
            self.takedowns.add([content_id], at)
        self.near.clear()
        self.stale.rewrite(lambda value: value.without(recent.keys()))

    async def _known_keys(self) -> set[ListKey] | None:
        """Every list that may be cached; None when the registry cannot be read."""
        keys = {self.key(kind, query) for kind in ListKind for query in PLAIN_QUERIES}
        keys.update(self.refresh.keys())
        version = next(iter(keys)).version
        listed = await self._guarded(
            "reading the list registry", self._registry.known_keys(version, self._clock())
        )
        if listed is None:
            return None
        return keys | set(listed)

    async def _guarded(self, doing: str, call: Awaitable[T]) -> T | None:
        try:
            async with asyncio.timeout(self._redis_budget):
                return await call
        except (DependencyError, TimeoutError) as exc:
            log.warning("takedowns: %s failed (%s)", doing, exc)
            return None


async def _finish(fetch: asyncio.Task[RenderedList]) -> None:
    """A read left to finish in the background (a stale copy was served meanwhile)."""
    try:
        await fetch
    except DependencyError as exc:  # the next request tries again
        log.warning("a slow list read failed in the background: %s", exc)
