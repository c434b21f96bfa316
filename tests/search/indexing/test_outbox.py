"""The outbox relay on a database and tables of each test's own: delivery, coalescing,
current-state semantics, failure bookkeeping, the per-document guard, concurrent relays."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg

from mediamesh.devstack import dynamodb_local
from mediamesh.search import runtime
from mediamesh.search.indexing.outbox import BatchOutcome, OutboxRelay
from mediamesh.search.indexing.outbox_repository import LOCK_CLASS
from mediamesh.search.stores import SearchStores
from mediamesh.settings import Settings
from tests.conftest import Stack
from tests.search.dynamodb_support import (
    delete_documents,
    document,
    index_documents,
    index_items,
    outbox_rows,
    own_database,
    own_tables,
    search_stores,
)

FAST = {
    "search_outbox_poll_seconds": 0.1,
    "search_outbox_retry_base_seconds": 0.05,
    "search_outbox_retry_max_seconds": 0.2,
}


@asynccontextmanager
async def relay_setup(
    stack: Stack, unique: str, **overrides: object
) -> AsyncIterator[tuple[Settings, SearchStores, OutboxRelay]]:
    async with own_database(stack, unique) as url:
        values = {**FAST, "database_url": url, **overrides}
        if "dynamodb_endpoint" in overrides:
            settings = stack.settings(table_prefix=f"t{unique}-", **values)
        else:
            settings = await own_tables(stack, unique, **values)
        async with search_stores(settings) as resources:
            relay = runtime.relay_for(resources)
            assert relay is not None
            yield settings, resources, relay


async def test_relay_delivers_the_latest_state_once_per_document(stack: Stack, unique: str) -> None:
    async with relay_setup(stack, unique) as (settings, resources, relay):
        for title in ("First", "Second", "Third"):
            await index_documents(resources.pool, [document("a", title)])
        await index_documents(resources.pool, [document("b", "Bee", category="Nature")])
        assert await relay.run_once() == BatchOutcome(claimed=4, written=2)
        assert await outbox_rows(resources.pool) == []
        items = await index_items(settings)
    assert sorted(items) == ["a", "b"]
    assert items["a"]["title"] == {"S": "Third"}
    assert items["b"]["category"] == {"S": "Nature"} and "category" not in items["a"]


async def test_a_tombstoned_document_is_deleted_whatever_its_rows_say(
    stack: Stack, unique: str
) -> None:
    async with relay_setup(stack, unique) as (settings, resources, relay):
        await index_documents(resources.pool, [document("kept", "Kept"), document("gone", "Gone")])
        assert (await relay.run_once()).written == 2
        await index_documents(resources.pool, [document("never", "Never")])
        await delete_documents(resources.pool, ["gone", "never"])
        # "never" has a put row and a delete row: only what PostgreSQL holds now is sent
        assert await relay.run_once() == BatchOutcome(claimed=3, written=2)
        assert sorted(await index_items(settings)) == ["kept"]


async def test_failed_deliveries_stay_with_backoff_and_are_counted(
    stack: Stack, unique: str
) -> None:
    dead = f"http://127.0.0.1:{dynamodb_local.free_port()}"
    async with relay_setup(
        stack,
        unique,
        dynamodb_endpoint=dead,
        search_outbox_retry_base_seconds=10.0,
        search_outbox_retry_max_seconds=60.0,
    ) as (_, resources, relay):
        await index_documents(resources.pool, [document("x", "X"), document("y", "Y")])
        assert await relay.run_once() == BatchOutcome(claimed=2, failed=2)
        rows = await outbox_rows(resources.pool)
        assert [(r["content_id"], r["attempts"]) for r in rows] == [("x", 1), ("y", 1)]
        assert all("not reachable" in r["last_error"] for r in rows)
        assert all(r["next_attempt_at"] > r["db_now"] for r in rows)
        assert await relay.run_once() == BatchOutcome()  # not due again before the backoff
        stats = await relay.stats()
        assert (stats.backlog, stats.due, stats.retrying) == (2, 0, 2)
        assert stats.oldest_pending_seconds > 0
        assert relay.counters.failed == 2 and "not reachable" in str(relay.counters.last_error)


async def test_a_document_another_worker_is_syncing_is_left_to_it(
    stack: Stack, unique: str
) -> None:
    async with relay_setup(stack, unique) as (settings, resources, relay):
        await index_documents(resources.pool, [document("busy", "Busy"), document("free", "Free")])
        other = await asyncpg.connect(settings.database_url)
        try:
            async with other.transaction():
                await other.execute(
                    "SELECT pg_advisory_xact_lock($1, hashtext('busy'))", LOCK_CLASS
                )
                assert await relay.run_once() == BatchOutcome(claimed=2, written=1, deferred=1)
            assert sorted(await index_items(settings)) == ["free"]
            deadline = time.monotonic() + 10
            while (await relay.run_once()).written == 0:  # due again after the poll interval
                assert time.monotonic() < deadline, "deferred row never came back"
                await asyncio.sleep(0.05)
        finally:
            await other.close()
        assert sorted(await index_items(settings)) == ["busy", "free"]
        assert await outbox_rows(resources.pool) == []


async def test_concurrent_relays_deliver_each_row_exactly_once(stack: Stack, unique: str) -> None:
    async with relay_setup(stack, unique, search_outbox_batch_size=40) as (settings, res, first):
        second = runtime.relay_for(res)
        assert second is not None
        docs = [document(f"d{i:03}", f"Doc {i}") for i in range(300)]
        await index_documents(res.pool, docs)
        while True:
            outcomes = await asyncio.gather(first.run_once(), second.run_once())
            if not any(o.claimed for o in outcomes):
                break
        assert first.counters.written + second.counters.written == 300
        assert first.counters.failed + second.counters.failed == 0
        assert len(await index_items(settings)) == 300


async def test_notify_wakes_the_running_relay(stack: Stack, unique: str) -> None:
    # A poll interval far longer than the test: only notify() can deliver in time.
    async with (
        relay_setup(stack, unique, search_outbox_poll_seconds=300) as (settings, resources, _),
        runtime.running(resources) as search_runtime,
    ):
        assert search_runtime.relay is not None
        await asyncio.sleep(0.2)  # let its first (empty) pass finish, so it idles
        await index_documents(resources.pool, [document("woken", "Woken")])
        search_runtime.notify()
        deadline = time.monotonic() + 10
        while "woken" not in await index_items(settings):
            assert time.monotonic() < deadline, "notify did not wake the relay"
            await asyncio.sleep(0.05)


async def test_without_dynamodb_there_is_no_relay(stack: Stack, unique: str) -> None:
    settings = stack.settings(dynamodb_enabled=False)
    async with search_stores(settings) as resources, runtime.running(resources) as rt:
        assert rt.relay is None
        rt.notify()  # a no-op, never an error


async def test_the_running_relays_workers_deliver_every_document_once(
    stack: Stack, unique: str
) -> None:
    async with (
        relay_setup(stack, unique, search_outbox_batch_size=40) as (settings, resources, _),
        runtime.running(resources) as search_runtime,
    ):
        relay = search_runtime.relay
        assert relay is not None and relay.policy.workers > 1
        docs = [document(f"w{i:03}", f"Worker {i}") for i in range(300)]
        for start in range(0, 300, 100):
            await index_documents(resources.pool, docs[start : start + 100])
            search_runtime.notify()
        deadline = time.monotonic() + 30
        while await outbox_rows(resources.pool):
            assert time.monotonic() < deadline, "the outbox did not drain"
            await asyncio.sleep(0.05)
        # one row per document: each was written exactly once, and nothing failed
        assert (relay.counters.written, relay.counters.failed) == (300, 0)
    assert len(await index_items(settings)) == 300
