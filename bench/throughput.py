"""(4) Indexing and (5) event ingestion through the API, each against its raw floor:
COPY (plus BatchWriteItem for the DynamoDB search index) of the same rows."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from bench.stack import WRITE_KEY, BenchStack, server_command, serving
from mediamesh.devstack.dynamodb_local import free_port
from mediamesh.search.dynamodb.item import IndexedDocument, to_item
from mediamesh.storage import postgres
from mediamesh.storage.dynamodb.client import DynamoDBConnection, open_client
from mediamesh.storage.dynamodb.tables import tables_from_settings

HEADERS = {"Authorization": f"Bearer {WRITE_KEY}"}
CLIENTS = 4  # concurrent batches in flight, for the API and for the floor alike


async def post_all(base: str, path: str, key: str, rows: list[Any], batch: int) -> None:
    chunks = [rows[i : i + batch] for i in range(0, len(rows), batch)]
    queue: asyncio.Queue[list[Any]] = asyncio.Queue()
    for chunk in chunks:
        queue.put_nowait(chunk)

    async def worker(client: httpx.AsyncClient) -> None:
        while not queue.empty():
            chunk = queue.get_nowait()
            response = await client.post(path, json={key: chunk}, headers=HEADERS)
            if response.status_code >= 300:
                raise RuntimeError(f"{path}: {response.status_code} {response.text[:300]}")

    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        await asyncio.gather(*(worker(client) for _ in range(CLIENTS)))


async def _copy_all(url: str, table: str, records: list[tuple[Any, ...]], batch: int) -> None:
    pool = await postgres.create_pool(url, min_size=CLIENTS, max_size=CLIENTS)
    chunks = [records[i : i + batch] for i in range(0, len(records), batch)]
    limit = asyncio.Semaphore(CLIENTS)

    async def copy(chunk: list[tuple[Any, ...]]) -> None:
        async with limit, pool.acquire() as conn:
            await conn.copy_records_to_table(table, records=chunk)

    try:
        await asyncio.gather(*(copy(chunk) for chunk in chunks))
    finally:
        await pool.close()


def _document_records(documents: Sequence[dict[str, Any]]) -> list[tuple[Any, ...]]:
    updated = datetime(2025, 1, 1, tzinfo=UTC)
    return [
        (d["contentId"], d["contentType"], d["title"], d["description"], d["category"],
         d["language"], d["tags"], updated)
        for d in documents
    ]  # fmt: skip


_BARE_DOCUMENTS = """CREATE TABLE bench_bare_documents (content_id text, content_type text,
    title text, description text, category text, language text, tags text[],
    updated_at timestamptz)"""
_BARE_EVENTS = """CREATE TABLE bench_bare_events (content_id text, event_type text,
    occurred_at timestamptz, user_id text)"""


async def _outbox_left(url: str) -> int:
    async with postgres.connect(url) as conn:
        return int(await conn.fetchval("SELECT count(*) FROM search_outbox"))


async def drained(url: str, within: float) -> None:
    deadline = time.monotonic() + within
    while await _outbox_left(url):
        if time.monotonic() > deadline:
            raise RuntimeError("the search outbox did not drain in time")
        await asyncio.sleep(0.1)


async def indexing(stack: BenchStack, out: Path, documents: list[dict[str, Any]]) -> dict[str, Any]:
    """Documents/s from the first POST /v1/search/index until the outbox is drained (both
    stores hold every document), against COPY + BatchWriteItem of the same documents.

    The server's embedding worker is off (SEARCH_SEMANTIC_ENABLED=false; the write path is
    the same: a write only marks its document as waiting for a vector): it would run the
    model on the generated documents, minutes of CPU on this machine's 2 cores, during this
    measurement and the next. The search measurement gives them vectors itself
    (search_engines.prepare).
    """
    api = await index_through_api(stack, out, documents)
    api_seconds = api["api_seconds"]
    async with postgres.connect(stack.database_url) as conn:
        await conn.execute(_BARE_DOCUMENTS)
    started = time.perf_counter()
    await _copy_all(stack.database_url, "bench_bare_documents", _document_records(documents), 500)
    copy_seconds = time.perf_counter() - started
    started = time.perf_counter()
    await _batch_write(stack, documents)
    batch_seconds = time.perf_counter() - started
    floor = copy_seconds + batch_seconds
    return {
        "documents": len(documents),
        "api_seconds": api_seconds,
        "api_acknowledged_seconds": api["api_acknowledged_seconds"],
        "api_docs_per_second": len(documents) / api_seconds,
        "copy_seconds": copy_seconds,
        "batch_write_seconds": batch_seconds,
        "floor_docs_per_second": len(documents) / floor,
        "ratio": floor / api_seconds,
        "sample_relay_seconds": api["sample_relay_seconds"],
        "peak_rss_mb": api["peak_rss_mb"],
    }


async def index_through_api(
    stack: BenchStack, out: Path, documents: list[dict[str, Any]], drain_seconds: float = 900
) -> dict[str, float]:
    """`indexing`'s API side (also bench/scale_search.py's): a search server without its
    embedding worker, the outbox drained of what seed.py loaded, then the documents POSTed
    (500 a request, CLIENTS in flight) and the outbox drained again; seconds and peak RSS."""
    port = free_port()
    env = stack.env(search_semantic_enabled="false")
    with serving(server_command("search", port), port, env, out / "index.log") as s:
        started = time.perf_counter()
        await drained(stack.database_url, drain_seconds)  # the sample films, loaded by seed.py
        warm_up = time.perf_counter() - started
        started = time.perf_counter()
        await post_all(s.base_url, "/v1/search/index", "documents", documents, 500)
        acknowledged = time.perf_counter() - started
        await drained(stack.database_url, drain_seconds)
        api_seconds = time.perf_counter() - started
        rss = s.peak_rss_mb()
    return {
        "api_seconds": api_seconds,
        "api_acknowledged_seconds": acknowledged,
        "sample_relay_seconds": warm_up,
        "peak_rss_mb": rss,
    }


async def _batch_write(stack: BenchStack, documents: list[dict[str, Any]]) -> None:
    """Raw BatchWriteItem (25 a request, CLIENTS in flight) of the items the relay writes,
    into a bare table of the same key schema."""
    settings = stack.settings(dynamodb_table_search_index=f"b{stack.run_id}-bare-search")
    spec = tables_from_settings(settings).search_index
    now = datetime.now(UTC)
    items = [
        to_item(
            IndexedDocument(d["contentId"], d["contentType"], d["title"], d["description"],
                            d["category"], d["language"], d["tags"], now),
            spec, now, settings.dynamodb_ttl_seconds,
        )
        for d in documents
    ]  # fmt: skip
    conn = DynamoDBConnection.from_settings(settings)
    async with open_client(conn) as client:
        await client.create_table(
            TableName=spec.name,
            KeySchema=[{"AttributeName": spec.partition_key.name, "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": spec.partition_key.name, "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        limit = asyncio.Semaphore(CLIENTS)

        async def write(chunk: list[dict[str, Any]]) -> None:
            request = {spec.name: [{"PutRequest": {"Item": item}} for item in chunk]}
            async with limit:
                while request:
                    answer = await client.batch_write_item(RequestItems=request)
                    request = answer.get("UnprocessedItems") or {}

        await asyncio.gather(*(write(items[i : i + 25]) for i in range(0, len(items), 25)))


async def _folded(url: str, within: float) -> None:
    """Until the server's aggregator has folded every acknowledged event (the inbox is
    empty), at most `within` seconds."""
    deadline = time.perf_counter() + within
    async with postgres.connect(url) as conn:
        while await conn.fetchval("SELECT EXISTS (SELECT 1 FROM engagement_inbox)"):
            if time.perf_counter() > deadline:
                raise RuntimeError(f"events still unfolded after {within:.0f} s")
            await asyncio.sleep(0.01)


async def ingestion(stack: BenchStack, out: Path, events: list[dict[str, Any]]) -> dict[str, Any]:
    """Events/s acknowledged by POST /v1/discovery/events (1,000 a request; durable in the
    inbox, folded into the rollups by the server's aggregator) against COPY of the same
    events into a bare table; and how long after the last acknowledgement the aggregator
    had folded everything."""
    port = free_port()
    with serving(server_command("discovery", port), port, stack.env(), out / "events.log") as s:
        await post_all(s.base_url, "/v1/discovery/events", "events", events[:1000], 1000)
        await _folded(stack.database_url, 120)
        started = time.perf_counter()
        await post_all(s.base_url, "/v1/discovery/events", "events", events, 1000)
        api_seconds = time.perf_counter() - started
        await _folded(stack.database_url, 600)
        fold_lag_seconds = time.perf_counter() - started - api_seconds
        rss = s.peak_rss_mb()
    async with postgres.connect(stack.database_url) as conn:
        await conn.execute(_BARE_EVENTS)
    records = [
        (e["contentId"], e["type"], datetime.fromisoformat(e["occurredAt"]), e["userId"])
        for e in events
    ]
    started = time.perf_counter()
    await _copy_all(stack.database_url, "bench_bare_events", records, 1000)
    copy_seconds = time.perf_counter() - started
    return {
        "events": len(events),
        "api_seconds": api_seconds,
        "api_events_per_second": len(events) / api_seconds,
        "copy_seconds": copy_seconds,
        "floor_events_per_second": len(events) / copy_seconds,
        "ratio": copy_seconds / api_seconds,
        "fold_lag_seconds": fold_lag_seconds,
        "peak_rss_mb": rss,
    }
