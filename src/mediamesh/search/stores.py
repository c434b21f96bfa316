"""What the search feature uses of the shared clients, handed to it by the wiring (app/):
PostgreSQL, the DynamoDB search index when DYNAMODB_ENABLED, and the breakers of their tiers."""

from __future__ import annotations

from dataclasses import dataclass, field

import asyncpg

from mediamesh.resilience.breakers import Breakers
from mediamesh.search.postgres.repository import FilterShares
from mediamesh.search.semantic.probe import QueryMeaning
from mediamesh.settings import Settings
from mediamesh.storage.dynamodb.client import DynamoDBClient, DynamoDBConnection
from mediamesh.storage.dynamodb.tables import TableSpec


@dataclass(frozen=True)
class SearchStores:
    settings: Settings
    pool: asyncpg.Pool
    index: TableSpec  # the DynamoDB search-index table
    dynamodb: DynamoDBClient | None  # None when DYNAMODB_ENABLED=false
    dynamodb_connection: DynamoDBConnection | None
    breakers: Breakers
    # the query's nearest documents by meaning; None when SEARCH_SEMANTIC_ENABLED=false
    meaning: QueryMeaning | None = None
    # connections set for the query path's statements (postgres/repository.SESSION_SETTINGS,
    # FILTERED_SESSION_SETTINGS); None: `pool`'s
    query_pool: asyncpg.Pool | None = None
    filtered_query_pool: asyncpg.Pool | None = None
    # how common each filter value is (the planner's statistics, cached for these pools)
    filter_shares: FilterShares = field(default_factory=FilterShares)

    @property
    def queries(self) -> asyncpg.Pool:
        """The pool the query path (search, suggestions) reads with."""
        return self.query_pool or self.pool

    def queries_for(self, filtered: bool) -> asyncpg.Pool:
        """The pool a search reads with: its own for a search with filters."""
        return (self.filtered_query_pool if filtered else None) or self.queries

    @property
    def dynamodb_open(self) -> bool:
        return self.settings.dynamodb_enabled and self.dynamodb is not None
