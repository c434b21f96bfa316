"""The one place the discovery chain is assembled from the shared clients: its tiers in the
order of CACHE_TIER_ORDER (the guide's DynamoDB, Redis by default; DynamoDB is absent when
DYNAMODB_ENABLED=false), then PostgreSQL; the near cache, refresh ahead and takedowns."""

from __future__ import annotations

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
from mediamesh.discovery.list_source import ListSource
from mediamesh.discovery.models import ListKind
from mediamesh.discovery.ranking.compute import RankingParams
from mediamesh.discovery.refresh_ahead import RefreshAhead
from mediamesh.discovery.service import DiscoveryService
from mediamesh.discovery.stores import DiscoveryStores
from mediamesh.discovery.takedown_feed import RedisTakedownStore
from mediamesh.discovery.takedowns import RecentTakedowns
from mediamesh.discovery.tiers.dynamodb import DynamoDBListStore
from mediamesh.discovery.tiers.redis import RedisListStore
from mediamesh.errors import ConfigError
from mediamesh.resilience.guards import postgres_read
from mediamesh.settings import Settings
from mediamesh.storage.redis_lock import RedisLock

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
    )
    retention = max(settings.trending_ttl_seconds, settings.popular_ttl_seconds) + 60
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
        ),
        takedowns=RecentTakedowns(retention),
        takedown_store=RedisTakedownStore(stores.redis, settings.redis_key_prefix, retention),
        registry=redis_store,
        background=background,
        redis_budget_seconds=settings.cache_redis_timeout_seconds * TAKEDOWN_BUDGET_FACTOR,
        stale=StaleCopies(settings.stale_grace_seconds, settings.stale_max_lists),
        stale_after_seconds=settings.stale_if_slow_seconds,
    )


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
