"""The one place the discovery chain is assembled from the shared clients: its tiers in the
order of CACHE_TIER_ORDER (the guide's DynamoDB, Redis by default; DynamoDB is absent when
DYNAMODB_ENABLED=false), then PostgreSQL; the near cache, refresh ahead and takedowns."""

from __future__ import annotations

import asyncio
import logging
import time
from functools import partial

from mediamesh.cache.background import BackgroundTasks
from mediamesh.cache.chain import CacheChain
from mediamesh.cache.guarded_tier import GuardedTier
from mediamesh.cache.lock import ComputeLock, GuardedLock
from mediamesh.cache.metrics import ChainMetrics, TierCounters
from mediamesh.cache.near_cache import NearCache
from mediamesh.cache.stale import StaleCopies
from mediamesh.cache.tier import Tier
from mediamesh.discovery.cached_list import CachedList, ListKey
from mediamesh.discovery.known_filters import KnownFilters
from mediamesh.discovery.list_source import ListSource
from mediamesh.discovery.models import ListKind
from mediamesh.discovery.ranking.compute import RankingParams
from mediamesh.discovery.ranking.repository import catalog_has
from mediamesh.discovery.refresh_ahead import RefreshAhead
from mediamesh.discovery.service import DiscoveryService
from mediamesh.discovery.stores import DiscoveryStores
from mediamesh.discovery.takedown_feed import RedisTakedownStore
from mediamesh.discovery.takedowns import RecentTakedowns, takedown_window_seconds
from mediamesh.discovery.tiers.dynamodb import DynamoDBListStore
from mediamesh.discovery.tiers.redis import RedisListStore
from mediamesh.errors import ConfigError, DependencyError
from mediamesh.resilience.guards import postgres_read
from mediamesh.settings import Settings
from mediamesh.storage.redis_lock import RedisLock

log = logging.getLogger(__name__)

# takedown announcements are off the hot path: they may take longer than a read
TAKEDOWN_BUDGET_FACTOR = 5


def build_service(stores: DiscoveryStores) -> DiscoveryService:
    settings = stores.settings
    params = RankingParams.from_settings(settings)
    formula_version = params.version
    metrics, background = ChainMetrics(), BackgroundTasks()
    redis_store = RedisListStore(stores.redis, settings.redis_key_prefix)
    compute = ListSource(
        stores.pool,
        params,
        lambda k: ttl_seconds(settings, k),
        settings.cache_ttl_jitter_fraction,
    )

    async def source(key: ListKey) -> CachedList:  # within its budget, behind its breaker
        breaker, budget = stores.breakers.postgres_reads, settings.cache_postgres_timeout_seconds
        return await postgres_read(breaker, budget, lambda: compute(key))

    filters = _known_filters(stores)  # a list of a value the catalog lacks: 404
    chain: CacheChain[ListKey, CachedList] = CacheChain(
        tiers=_tiers(stores, redis_store, metrics),
        source=source,
        lock=ComputeLock(
            GuardedLock(
                RedisLock(stores.redis, settings.redis_key_prefix),
                stores.breakers.redis_lists,
                settings.cache_redis_timeout_seconds,
            ),
            settings.cache_compute_lock_seconds,
            metrics,
        ),
        lock_name=lambda key: f"discovery:{key.kind}:{key.version}:{key.query.partition_key}",
        background=background,
        metrics=metrics,
        admit=lambda key: filters.check(key.query),
        register=partial(_register, settings, redis_store),
        generation=lambda value: value.generation,
    )
    retention = takedown_window_seconds(settings)
    return DiscoveryService(
        chain=chain,
        key=lambda kind, query: ListKey.of(kind, query, formula_version),
        near=NearCache(
            settings.memory_cache_max_entries,
            settings.memory_cache_ttl_seconds,
            settings.memory_cache_stale_seconds,
        ),
        refresh=RefreshAhead(
            chain,
            lead_seconds=lambda key: (
                settings.refresh_ahead_fraction * ttl_seconds(settings, key.kind)
            ),
            idle_seconds=settings.refresh_ahead_idle_seconds,
            max_lists=settings.refresh_ahead_max_lists,
            concurrency=settings.refresh_ahead_concurrency,
        ),
        takedowns=RecentTakedowns(retention),
        takedown_store=RedisTakedownStore(stores.redis, settings.redis_key_prefix, retention),
        registry=redis_store,
        background=background,
        redis_budget_seconds=settings.cache_redis_timeout_seconds * TAKEDOWN_BUDGET_FACTOR,
        stale=StaleCopies(settings.stale_grace_seconds, settings.stale_max_lists),
        stale_after_seconds=settings.stale_if_slow_seconds,
    )


def _known_filters(stores: DiscoveryStores) -> KnownFilters:
    settings, breaker = stores.settings, stores.breakers.postgres_reads

    async def has(column: str, value: str) -> bool:  # within its budget, behind its breaker
        budget = settings.cache_postgres_timeout_seconds
        return await postgres_read(breaker, budget, lambda: catalog_has(stores.pool, column, value))

    return KnownFilters(has, settings.list_filter_max_values, settings.list_filter_recheck_seconds)


async def _register(
    settings: Settings, registry: RedisListStore, key: ListKey, value: CachedList
) -> bool:
    """Whether a computed list may be cached: the plain lists always; a filtered one once
    the registry names it (a takedown finds it there), within CACHE_MAX_FILTERED_LISTS."""
    query = key.query
    if query.category is None and query.language is None:
        return True
    cap, now = settings.cache_max_filtered_lists, time.time()
    try:
        async with asyncio.timeout(settings.cache_redis_timeout_seconds):
            return await registry.register(key, value.expires_at, cap, now)
    except (DependencyError, TimeoutError) as exc:
        # Redis is down: DynamoDB still caches the list (as without a registry); the catalog
        # check (known_filters.py) still bounds the lists by the catalog's values
        log.warning("registering a filtered list failed, cached unregistered: %s", exc)
        return True


def ttl_seconds(settings: Settings, kind: ListKind) -> float:
    if kind is ListKind.TRENDING:
        return settings.trending_ttl_seconds
    return settings.popular_ttl_seconds


def tier_order(setting: str) -> list[str]:
    names = [name.strip() for name in setting.split(",")]
    if len(set(names)) != len(names):
        raise ConfigError(f"CACHE_TIER_ORDER names a tier twice: {setting!r}")
    return names


def _tiers(
    stores: DiscoveryStores, redis_store: RedisListStore, metrics: ChainMetrics
) -> list[GuardedTier[ListKey, CachedList]]:
    settings = stores.settings
    tiers: dict[str, Tier[ListKey, CachedList]] = {"redis": redis_store}
    budgets = {
        "redis": settings.cache_redis_timeout_seconds,
        "dynamodb": settings.cache_dynamodb_timeout_seconds,
    }
    if stores.dynamodb is not None and stores.dynamodb_connection is not None:
        tiers["dynamodb"] = DynamoDBListStore(
            stores.dynamodb, stores.dynamodb_connection, stores.lists
        )
    return [
        GuardedTier(
            tiers[name],
            metrics.tier(name),
            budgets[name],
            settings.cache_write_timeout_seconds,
            stores.breakers.for_list_tier(name),
            group_counters=partial(_per_list, metrics, name),
        )
        for name in tier_order(settings.cache_tier_order)
        if name in tiers
    ]


def _per_list(metrics: ChainMetrics, tier: str, key: ListKey) -> TierCounters:
    return metrics.group(tier, key.kind.value)
