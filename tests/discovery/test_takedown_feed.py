"""The takedown notices through the real Redis of the stack (one Redis, or this run's own
cluster under MEDIAMESH_TEST_REDIS=cluster): recorded in the log, announced to a listener
on another connection."""

from __future__ import annotations

import asyncio
import time

from mediamesh.discovery.takedown_feed import RedisTakedownStore
from mediamesh.storage import redis as redis_store
from tests.conftest import Stack

WAIT_SECONDS = 30.0


async def test_a_takedown_is_logged_and_announced_to_every_listener(
    stack: Stack, unique: str
) -> None:
    prefix = f"mmtest:{stack.run_id}:feed-{unique}:"
    writer_client = redis_store.create_client(stack.redis_url, cluster=stack.redis_cluster)
    listener_client = redis_store.create_client(stack.redis_url, cluster=stack.redis_cluster)
    writer = RedisTakedownStore(writer_client, prefix, retention_seconds=600)
    listener = RedisTakedownStore(listener_client, prefix, retention_seconds=600)
    heard: list[tuple[list[str], float]] = []
    subscribed, stop = asyncio.Event(), asyncio.Event()

    async def on_subscribed() -> None:
        subscribed.set()

    listening = asyncio.create_task(
        listener.listen(lambda ids, at: heard.append((ids, at)), on_subscribed, stop)
    )
    try:
        await asyncio.wait_for(subscribed.wait(), WAIT_SECONDS)
        now = time.time()
        await writer.record([f"a-{unique}", f"b-{unique}"], now)
        deadline = time.monotonic() + WAIT_SECONDS
        while not heard and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        assert heard == [([f"a-{unique}", f"b-{unique}"], now)]
        assert await listener.recent(time.time()) == {f"a-{unique}": now, f"b-{unique}": now}
    finally:
        stop.set()
        await asyncio.wait_for(listening, WAIT_SECONDS)
        await writer_client.aclose()
        await listener_client.aclose()
