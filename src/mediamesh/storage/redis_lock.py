"""A short cross-process lock in Redis: SET NX PX with a random token, released only by the
holder of that token (compare-and-delete in one Lua script). Implements cache.lock."""

from __future__ import annotations

import uuid

from mediamesh.storage.redis import RedisClient
from mediamesh.storage.redis_failures import redis_failures

# deletes the lock only if it still holds our token: an expired lock that another process
# took in the meantime is not released by us
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class RedisLock:
    def __init__(self, client: RedisClient, key_prefix: str) -> None:
        self._client = client
        self._prefix = key_prefix

    def key(self, name: str) -> str:
        return f"{self._prefix}lock:{name}"

    async def acquire(self, name: str, ttl_seconds: float) -> str | None:
        token = uuid.uuid4().hex
        with redis_failures("taking a lock"):
            taken = await self._client.set(
                self.key(name), token, nx=True, px=max(1, int(ttl_seconds * 1000))
            )
        return token if taken else None

    async def release(self, name: str, token: str) -> None:
        with redis_failures("releasing a lock"):
            await self._client.eval(_RELEASE, 1, self.key(name), token)
