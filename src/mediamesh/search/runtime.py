"""What the search service runs beside its routes while the app is up (background workers),
entered once in the application lifespan after the shared clients are open. What it yields
is stored as `app.state.search` for the routes."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from typing import Any

from fastapi import Request

from mediamesh.http.app_state import app_attribute
from mediamesh.resilience.periodic import stopped
from mediamesh.search import warmup
from mediamesh.search.dynamodb.index_store import SearchIndexWriter
from mediamesh.search.indexing.outbox import OutboxRelay, RelayPolicy
from mediamesh.search.indexing.outbox_stats import OutboxStatsSampler, outbox_stats_sampler
from mediamesh.search.semantic import repository as semantic_repository
from mediamesh.search.semantic.backlog import BacklogSampler, backlog_sampler
from mediamesh.search.semantic.index import keep_fresh, keep_graph
from mediamesh.search.semantic.model import Vectors, embedder
from mediamesh.search.semantic.worker import EmbeddingWorker, WorkerPolicy
from mediamesh.search.stores import SearchStores
from mediamesh.storage.dynamodb.client import DynamoDBClient, DynamoDBConnection, open_client

# The relay's writes are background work (BatchWriteItem bodies up to 25 x 400 KB), not the
# hot path: its own client waits longer than the request path's before calling a call lost.
RELAY_READ_TIMEOUT_SECONDS = 5.0

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SearchRuntime:
    """`relay` (and `outbox_stats`, its figures for /metrics) is None when DynamoDB is off
    (DYNAMODB_ENABLED=false): nothing to deliver. `embeddings` (and `embedding_backlog`, its
    gauge) is None when SEARCH_SEMANTIC_ENABLED=false."""

    stores: SearchStores
    relay: OutboxRelay | None
    outbox_stats: OutboxStatsSampler | None = None
    embeddings: EmbeddingWorker | None = None
    embedding_backlog: BacklogSampler | None = None

    def notify(self) -> None:
        """Call after every committed index/delete: wakes the relay and the embedding
        worker, never blocks."""
        if self.relay is not None:
            self.relay.notify()
        if self.embeddings is not None:
            self.embeddings.notify()


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
    """Run the search service's background work until the app stops, and cancel it cleanly:
    the outbox relay and the sampler of its figures (when DynamoDB is on), the embedding
    worker and the sampler of its backlog (when semantic search is on), and the warm-up of
    the query path's connections (warmup.py).

    A relay batch cut short by cancellation rolls back: its rows stay in the outbox for next
    time; so does an embedding batch: its documents stay due.
    """
    async with (
        _outbox_relay(stores) as (relay, outbox_stats),
        _embedding_worker(stores) as (worker, backlog),
        _vector_index(stores),
        _background({"search-warm-up": warmup.warm(stores)}),
    ):
        yield SearchRuntime(stores, relay, outbox_stats, worker, backlog)


@asynccontextmanager
async def _outbox_relay(
    stores: SearchStores,
) -> AsyncIterator[tuple[OutboxRelay | None, OutboxStatsSampler | None]]:
    shared = stores.dynamodb_connection
    if not stores.dynamodb_open or shared is None:
        yield None, None
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
        sampler = outbox_stats_sampler(
            relay.stats, stores.settings.search_outbox_stats_interval_seconds
        )
        async with _background(
            {"search-outbox-relay": relay.run(), "search-outbox-stats": sampler.run()}
        ):
            yield relay, sampler


@asynccontextmanager
async def _embedding_worker(
    stores: SearchStores,
) -> AsyncIterator[tuple[EmbeddingWorker | None, BacklogSampler | None]]:
    settings = stores.settings
    if not settings.search_semantic_enabled:
        yield None, None
        return
    worker = EmbeddingWorker(settings.database_url, WorkerPolicy.from_settings(settings))
    backlog = backlog_sampler(stores.pool, settings.search_embedding_stats_interval_seconds)
    async with _background(
        {"search-embedding-worker": worker.run(), "search-embedding-backlog": backlog.run()}
    ):
        yield worker, backlog


# how long start-up waits for the vector index's first load and the model (then the app
# serves, lexical only for what the index does not hold yet, and keeps loading)
VECTOR_INDEX_START_SECONDS = 30.0


@asynccontextmanager
async def _vector_index(stores: SearchStores) -> AsyncIterator[None]:
    """Load this process's vector index (stores.meaning) and the model before serving, then
    keep the index in step with search_embeddings."""
    meaning = stores.meaning
    if meaning is None:
        yield
        return

    async def read(after_seq: int, limit: int) -> tuple[list[str], list[Vectors], int]:
        timeout = stores.settings.search_postgres_timeout_seconds
        async with stores.pool.acquire(timeout=timeout) as conn:
            return await semantic_repository.vectors_since(conn, after_seq, limit)

    try:
        async with asyncio.timeout(VECTOR_INDEX_START_SECONDS):
            await asyncio.gather(meaning.index.refresh(read), asyncio.to_thread(embedder))
    except Exception as exc:  # PostgreSQL down at start, a slow load: serve, keep trying
        log.warning("search by meaning not ready at start-up (%r); loading in the background", exc)
    every = stores.settings.search_embedding_poll_seconds
    async with _background(
        {
            "search-vector-index": keep_fresh(meaning.index, read, every),
            "search-vector-graph": keep_graph(meaning.index, every),
        }
    ):
        yield


@asynccontextmanager
async def _background(named: dict[str, Coroutine[Any, Any, None]]) -> AsyncIterator[None]:
    """Run the coroutines (as tasks of those names) until the block ends, then cancel them
    and wait until they have stopped (periodic.stopped)."""
    tasks = [asyncio.create_task(coro, name=name) for name, coro in named.items()]
    try:
        yield
    finally:
        await stopped(tasks)
        for task in tasks:
            if not task.cancelled() and (exc := task.exception()) is not None:
                log.error("%s ended with %r", task.get_name(), exc)


def of(request: Request) -> SearchRuntime:
    """The running search service of the app serving `request` (set by the app's lifespan)."""
    return app_attribute(request, "search", SearchRuntime)
