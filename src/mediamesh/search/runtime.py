"""What the search service runs beside its routes while the app is up (background workers),
entered once in the application lifespan after the shared clients are open. What it yields
is stored as `app.state.search` for the routes."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace

from fastapi import Request

from mediamesh.http.app_state import app_attribute
from mediamesh.search.dynamodb.index_store import SearchIndexWriter
from mediamesh.search.indexing.outbox import OutboxRelay, RelayPolicy
from mediamesh.search.indexing.outbox_stats import OutboxStatsSampler
from mediamesh.search.stores import SearchStores
from mediamesh.storage.dynamodb.client import DynamoDBClient, DynamoDBConnection, open_client

# The relay's writes are background work (BatchWriteItem bodies up to 25 x 400 KB), not the
# hot path: its own client waits longer than the request path's before calling a call lost.
RELAY_READ_TIMEOUT_SECONDS = 5.0


@dataclass(frozen=True)
class SearchRuntime:
    """`relay` (and `outbox_stats`, its figures for /metrics) is None when DynamoDB is off
    (DYNAMODB_ENABLED=false): nothing to deliver."""

    stores: SearchStores
    relay: OutboxRelay | None
    outbox_stats: OutboxStatsSampler | None = None

    def notify(self) -> None:
        """Call after every committed index/delete: wakes the relay, never blocks."""
        if self.relay is not None:
            self.relay.notify()


def relay_for(
    stores: SearchStores,
    client: DynamoDBClient | None = None,
    conn: DynamoDBConnection | None = None,
) -> OutboxRelay | None:
    """The outbox relay writing through `client` (default: the shared one), or None when
    DynamoDB is off."""
    if not stores.dynamodb_open:
        return None
    client = client or stores.dynamodb
    conn = conn or stores.dynamodb_connection
    assert client is not None and conn is not None
    spec = stores.index
    writer = SearchIndexWriter(client, conn, spec)
    return OutboxRelay(stores.pool, writer, spec, RelayPolicy.from_settings(stores.settings))


@asynccontextmanager
async def running(stores: SearchStores) -> AsyncIterator[SearchRuntime]:
    """Run the outbox relay (when DynamoDB is on) and the sampler of its figures until the
    app stops; cancel them cleanly.

    A batch cut short by cancellation rolls back: its rows stay in the outbox for next time.
    """
    shared = stores.dynamodb_connection
    if not stores.dynamodb_open or shared is None:
        yield SearchRuntime(stores, None)
        return
    # The items are built by our code (dynamodb_item.to_item) and DynamoDB validates every
    # request anyway: botocore's client-side check would cost the relay ~20 % of its CPU.
    conn = replace(
        shared,
        read_timeout=max(shared.read_timeout, RELAY_READ_TIMEOUT_SECONDS),
        parameter_validation=False,
    )
    async with open_client(conn) as client:
        relay = relay_for(stores, client, conn)
        assert relay is not None
        sampler = OutboxStatsSampler(
            relay.stats, stores.settings.search_outbox_stats_interval_seconds
        )
        tasks = [
            asyncio.create_task(relay.run(), name="search-outbox-relay"),
            asyncio.create_task(sampler.run(), name="search-outbox-stats"),
        ]
        try:
            yield SearchRuntime(stores, relay, sampler)
        finally:
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task


def of(request: Request) -> SearchRuntime:
    """The running search service of the app serving `request` (set by the app's lifespan)."""
    return app_attribute(request, "search", SearchRuntime)
