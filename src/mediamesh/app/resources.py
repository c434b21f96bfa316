"""The clients a running service holds, created once in the application lifespan."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field

import asyncpg

from mediamesh.discovery.models import ListKind
from mediamesh.discovery.stores import DiscoveryStores
from mediamesh.errors import DynamoDBUnavailable, TableSchemaMismatch
from mediamesh.resilience.breakers import Breakers
from mediamesh.search.postgres import repository as postgres_repository
from mediamesh.search.semantic.probe import QueryMeaning, for_settings
from mediamesh.search.stores import SearchStores
from mediamesh.settings import Settings
from mediamesh.storage import postgres
from mediamesh.storage import redis as redis_store
from mediamesh.storage.dynamodb.client import DynamoDBClient, DynamoDBConnection, open_client
from mediamesh.storage.dynamodb.provisioning import verify_table
from mediamesh.storage.dynamodb.tables import Tables, TableSpec, tables_from_settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Resources:
    settings: Settings
    pool: asyncpg.Pool
    redis: redis_store.RedisClient  # one Redis, or a cluster (REDIS_CLUSTER)
    tables: Tables
    dynamodb: DynamoDBClient | None  # an aiobotocore client, or None when DYNAMODB_ENABLED=false
    dynamodb_connection: DynamoDBConnection | None
    # one circuit breaker per tier, shared by every caller of the tier (resilience/)
    breakers: Breakers = field(default_factory=Breakers.create)
    # the process's vector index and query embeddings (search/semantic/); None when
    # SEARCH_SEMANTIC_ENABLED=false
    meaning: QueryMeaning | None = None
    # the search query path's own connections (search/postgres/repository.SESSION_SETTINGS,
    # FILTERED_SESSION_SETTINGS for searches with filters)
    query_pool: asyncpg.Pool | None = None
    filtered_query_pool: asyncpg.Pool | None = None

    def discovery_stores(self) -> DiscoveryStores:
        lists = {ListKind.TRENDING: self.tables.trending, ListKind.POPULAR: self.tables.popular}
        return DiscoveryStores(
            self.settings,
            self.pool,
            self.redis,
            lists,
            self.dynamodb,
            self.dynamodb_connection,
            self.breakers,
        )

    def search_stores(self) -> SearchStores:
        return SearchStores(
            self.settings,
            self.pool,
            self.tables.search_index,
            self.dynamodb,
            self.dynamodb_connection,
            self.breakers,
            self.meaning,
            self.query_pool,
            self.filtered_query_pool,
        )


@asynccontextmanager
async def open_resources(
    settings: Settings, required_tables: tuple[TableSpec, ...] | None = None
) -> AsyncIterator[Resources]:
    """Open every client; check (never create) the DynamoDB tables this service uses.

    A missing or misshapen table stops start-up with TableSchemaMismatch (a deployment error);
    an unreachable DynamoDB, Redis or PostgreSQL does not: the service starts degraded and
    the cache chain skips the tier that is down.
    """
    tables = tables_from_settings(settings)
    async with AsyncExitStack() as stack:
        # min_size=0: no connection is needed to start, so a PostgreSQL outage at start-up
        # does not keep the cached tiers from serving.
        pool = await postgres.create_pool(
            settings.database_url, min_size=0, max_size=settings.database_pool_max_size
        )
        stack.push_async_callback(pool.close)
        # the search statements run with settings of their own (kept plans, scans from the
        # table's start; plans for each run's parameters when filtered): on connections of
        # their own, opened on first use (none in a process that never searches)
        query_pools = []
        for session in (
            postgres_repository.SESSION_SETTINGS,
            postgres_repository.FILTERED_SESSION_SETTINGS,
        ):
            query_pools.append(
                await postgres.create_pool(
                    settings.database_url,
                    min_size=0,
                    max_size=settings.database_pool_max_size,
                    session=session,
                )
            )
            stack.push_async_callback(query_pools[-1].close)
        query_pool, filtered_query_pool = query_pools
        redis = await redis_store.open_client(
            settings.redis_url, settings.redis_cluster, settings.redis_timeout_seconds
        )
        stack.push_async_callback(redis.aclose)
        client = None
        conn = None
        if settings.dynamodb_enabled:
            conn = DynamoDBConnection.from_settings(settings)
            client = await stack.enter_async_context(open_client(conn))
            await _check_tables(client, conn, required_tables or tables.all())
        breakers = Breakers.from_settings(settings)
        meaning = for_settings(settings)
        yield Resources(
            settings,
            pool,
            redis,
            tables,
            client,
            conn,
            breakers,
            meaning,
            query_pool,
            filtered_query_pool,
        )


async def _check_tables(
    client: DynamoDBClient, conn: DynamoDBConnection, specs: tuple[TableSpec, ...]
) -> None:
    problems: list[str] = []
    for spec in specs:
        try:
            report = await verify_table(client, conn, spec)
        except DynamoDBUnavailable as exc:
            log.warning("starting without DynamoDB for now: %s", exc.message)
            return
        problems.extend(f"{report.name}: {problem}" for problem in report.problems)
    if problems:
        raise TableSchemaMismatch(
            "DynamoDB tables are not as this service needs them: "
            + "; ".join(problems)
            + ". Provision them with `mediamesh tables create` (a separate step from serving)."
        )
