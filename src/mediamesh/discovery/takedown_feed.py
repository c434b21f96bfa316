"""Takedowns shared between processes through Redis: a sorted set remembers recent ones
(id → time) for processes that start or reconnect, and a pub/sub channel tells the running
ones at once (their in-process caches are cleared within milliseconds). On a Redis Cluster,
the sorted set is one key (one slot) and a PUBLISH reaches the subscribers of every node."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, cast

import orjson

from mediamesh.storage.redis import FAILURES, RedisClient, connected
from mediamesh.storage.redis_failures import redis_failures

OnTakedown = Callable[[list[str], float], None]


class RedisTakedownStore:
    def __init__(self, client: RedisClient, key_prefix: str, retention_seconds: float) -> None:
        self._client = client
        self.channel = f"{key_prefix}discovery:takedowns"
        self.log_key = f"{key_prefix}discovery:takedowns:log"
        self._retention = retention_seconds

    async def record(self, content_ids: Sequence[str], at: float) -> None:
        """Remember the takedown and announce it to every listening process."""
        message = orjson.dumps({"ids": list(content_ids), "at": at})
        async with self._client.pipeline(transaction=True) as pipe:
            pipe.zadd(self.log_key, dict.fromkeys(content_ids, at))
            pipe.zremrangebyscore(self.log_key, "-inf", at - self._retention)
            with redis_failures("recording a takedown"):
                await pipe.execute()
        # after the log (a listener that reconnects reads the log), and on its own: a cluster
        # refuses a PUBLISH inside a transaction
        with redis_failures("announcing a takedown"):
            await self._client.publish(self.channel, message)

    async def recent(self, now: float) -> dict[str, float]:
        """contentId → takedown time, for the takedowns within the retention."""
        with redis_failures("reading recent takedowns"):
            rows = await self._client.zrangebyscore(
                self.log_key, now - self._retention, "+inf", withscores=True
            )
        return {
            bytes(m).decode(): float(score) for m, score in cast(list[tuple[bytes, float]], rows)
        }

    async def listen(
        self,
        on_takedown: OnTakedown,
        on_subscribed: Callable[[], Awaitable[None]],
        stop: asyncio.Event,
    ) -> None:
        """Call `on_takedown` for every announced takedown until `stop` is set (checked at
        least every second: redis-py can swallow a cancellation that races its read timeout,
        so cancelling alone does not reliably end this loop). `on_subscribed` runs once the
        subscription is active (to catch up on what was missed before it).
        Raises RedisUnavailable when the connection fails; the caller retries."""
        with redis_failures("connecting to listen for takedowns"):
            await connected(self._client)
        pubsub = self._client.pubsub(ignore_subscribe_messages=True)
        try:
            with redis_failures("subscribing to takedowns"):
                await pubsub.subscribe(self.channel)
            await on_subscribed()
            while not stop.is_set():
                with redis_failures("listening for takedowns"):
                    message = await pubsub.get_message(timeout=1.0)
                if message is not None:
                    body: dict[str, Any] = orjson.loads(message["data"])
                    on_takedown([str(i) for i in body["ids"]], float(body["at"]))
        finally:
            with contextlib.suppress(*FAILURES):  # the connection may be gone
                await pubsub.aclose()  # type: ignore[no-untyped-call]
