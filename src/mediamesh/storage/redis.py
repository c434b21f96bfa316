"""Redis connections (redis-py asyncio with the hiredis parser).

Every key this project writes starts with the configured prefix (REDIS_KEY_PREFIX), so
several deployments or test runs can share one Redis without seeing each other's data.
"""

from __future__ import annotations

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from mediamesh.errors import RedisUnavailable
from mediamesh.settings import masked_url


def create_client(
    url: str, timeout_seconds: float = 0.5, max_connections: int = 64
) -> aioredis.Redis:
    """A pooled client with short timeouts and no retries: on the hot path a slow Redis is
    skipped (the next tier answers) rather than waited on."""
    return aioredis.Redis.from_url(
        url,
        socket_timeout=timeout_seconds,
        socket_connect_timeout=timeout_seconds,
        retry=Retry(NoBackoff(), 0),
        max_connections=max_connections,
        health_check_interval=30,
    )


async def ping(client: aioredis.Redis, url: str) -> None:
    try:
        await client.ping()
    except (aioredis.RedisError, OSError) as exc:
        raise RedisUnavailable(
            f"Redis is not reachable at {masked_url(url)} ({type(exc).__name__}); check REDIS_URL"
        ) from exc
