"""Helpers for tests that talk to a running app over HTTP (in process, through ASGI)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

import httpx
from fastapi import FastAPI

from mediamesh.app.factory import Service, create_app
from mediamesh.settings import Settings
from mediamesh.storage import postgres
from mediamesh.storage.dynamodb.client import DynamoDBConnection, open_client
from mediamesh.storage.dynamodb.provisioning import create_table
from mediamesh.storage.dynamodb.tables import tables_from_settings
from mediamesh.storage.migrations import migrate

if TYPE_CHECKING:
    from tests.conftest import Stack

WRITE_HEADERS = {"Authorization": "Bearer test-key-1"}


async def provision(settings: Settings) -> None:
    """Create the settings' tables (idempotent), as `mediamesh tables create` would."""
    conn = DynamoDBConnection.from_settings(settings)
    async with open_client(conn) as client:
        for spec in tables_from_settings(settings).all():
            await create_table(client, conn, spec)


@asynccontextmanager
async def own_stores(stack: Stack, name: str, **overrides: object) -> AsyncIterator[Settings]:
    """Settings on a database, tables and Redis prefix of their own (`name`), migrated and
    provisioned; the database is dropped after."""
    url = f"{stack.database_url}_{name}"
    await postgres.ensure_database(url)
    async with postgres.connect(url) as conn:
        await migrate(conn)
    settings = stack.settings(
        table_prefix=f"t{stack.run_id}-{name}-",
        database_url=url,
        redis_key_prefix=f"mmtest:{stack.run_id}:{name}:",
        **overrides,
    )
    await provision(settings)
    try:
        yield settings
    finally:
        await postgres.drop_database(url)


@asynccontextmanager
async def running_app(settings: Settings, service: Service = "all") -> AsyncIterator[FastAPI]:
    """The app with its lifespan entered (clients open, background workers running)."""
    app = create_app(settings, service)
    async with app.router.lifespan_context(app):
        yield app


@asynccontextmanager
async def api_client(
    settings: Settings, service: Service = "all"
) -> AsyncIterator[httpx.AsyncClient]:
    async with running_app(settings, service) as app:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://mediamesh") as client:
            yield client
