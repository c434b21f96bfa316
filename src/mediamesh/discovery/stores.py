"""What the discovery feature uses of the shared clients, handed to it by the wiring (app/):
PostgreSQL (the source of truth), Redis, the DynamoDB list tables when DYNAMODB_ENABLED, and
the breakers of their tiers."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from mediamesh.discovery.models import ListKind
from mediamesh.resilience.breakers import Breakers
from mediamesh.settings import Settings
from mediamesh.storage.dynamodb.client import DynamoDBClient, DynamoDBConnection
from mediamesh.storage.dynamodb.tables import TableSpec
from mediamesh.storage.redis import RedisClient


@dataclass(frozen=True)
class DiscoveryStores:
    settings: Settings
    pool: asyncpg.Pool
    redis: RedisClient  # one Redis, or a cluster
    lists: dict[ListKind, TableSpec]  # the DynamoDB table of each list kind
    dynamodb: DynamoDBClient | None  # None when DYNAMODB_ENABLED=false
    dynamodb_connection: DynamoDBConnection | None
    breakers: Breakers
