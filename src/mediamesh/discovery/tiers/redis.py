"""The Redis tier of the discovery lists.

One string per list, `<prefix>{discovery:lists}:<kind>:<version>:<partition key>`, written with
one SET (atomic: a reader sees the old list or the new one) whose PX is the time the list has
left. The value is a header line (JSON) and one line per item (its rendered JSON: orjson
never writes a raw newline inside a string), so a hit is sliced without decoding items.
A registry sorted set (score: expiry), `<prefix>{discovery:lists}`, names the lists that exist,
for takedowns; it and the lists share one hash tag, so that a list and its registration are
written in one transaction on a Redis Cluster too (one slot: the lists are few, bounded
below, and read mostly through every process's near cache). A list is
registered before any tier stores it (`register`), and a filtered list only while fewer than
CACHE_MAX_FILTERED_LISTS lists are live: the number of cached lists is bounded.
"""

from __future__ import annotations

import time
from typing import Any

import orjson

from mediamesh.cache.tier import MISS, Miss
from mediamesh.discovery.cached_list import CachedList, Entry, ListKey
from mediamesh.discovery.models import ListContentType, ListKind, ListQuery
from mediamesh.storage.redis import RedisClient, tagged
from mediamesh.storage.redis_failures import redis_failures

# KEYS[1] the registry; ARGV member, expiry, now, cap. Atomic, so processes registering at
# once cannot together pass the cap. 1: registered (or already was), 0: the registry is full.
_REGISTER = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[3])
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then
  redis.call('ZADD', KEYS[1], 'GT', ARGV[2], ARGV[1])
  return 1
end
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[4]) then
  return 0
end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
return 1
"""


class RedisListStore:
    name = "redis"

    def __init__(self, client: RedisClient, key_prefix: str) -> None:
        self._client = client
        self.registry_key = tagged(key_prefix, "discovery:lists")
        self._register = client.register_script(_REGISTER)

    def key(self, key: ListKey) -> str:
        return f"{self.registry_key}:{key.kind}:{key.version}:{key.query.partition_key}"

    async def get(self, key: ListKey, now: float) -> CachedList | Miss:
        with redis_failures("reading a list"):
            raw = await self._client.get(self.key(key))
        if raw is None:
            return MISS
        value = decode(_as_bytes(raw))
        if value.version != key.version or value.expires_at <= now:
            return MISS
        return value

    async def put(self, key: ListKey, value: CachedList) -> None:
        now = time.time()
        left_ms = int((value.expires_at - now) * 1000)
        if left_ms <= 0:
            return
        async with self._client.pipeline(transaction=True) as pipe:
            pipe.set(self.key(key), encode(value), px=left_ms)
            pipe.zadd(self.registry_key, {_member(key): value.expires_at})
            pipe.zremrangebyscore(self.registry_key, "-inf", now)
            with redis_failures("writing a list"):
                await pipe.execute()

    async def delete(self, key: ListKey) -> None:
        with redis_failures("deleting a list"):
            await self._client.delete(self.key(key))

    async def register(self, key: ListKey, expires_at: float, cap: int, now: float) -> bool:
        """Name `key` in the registry until `expires_at`, unless it is not there yet and
        `cap` lists are live; whether it is named. Raises RedisUnavailable."""
        with redis_failures("registering a list"):
            done = await self._register(
                keys=[self.registry_key], args=[_member(key), expires_at, now, cap]
            )
        return bool(done)

    async def live_lists(self, now: float) -> int:
        """How many lists the registry names as live."""
        with redis_failures("reading the list registry"):
            return int(await self._client.zcount(self.registry_key, now, "+inf"))

    async def known_keys(self, version: str, now: float) -> list[ListKey]:
        """The keys of `version` whose lists may still exist (from the registry)."""
        with redis_failures("reading the list registry"):
            members = await self._client.zrangebyscore(self.registry_key, now, "+inf")
        keys = [_key(orjson.loads(_as_bytes(member))) for member in members]
        return [key for key in keys if key.version == version]


def encode(value: CachedList) -> bytes:
    header = {
        "version": value.version,
        "generatedAt": value.generated_at,
        "expiresAt": value.expires_at,
        "ids": [[e.content_id, e.program_id] for e in value.entries],
    }
    return b"\n".join([orjson.dumps(header), *(e.data for e in value.entries)])


def decode(raw: bytes) -> CachedList:
    header_line, *items = raw.split(b"\n") if raw else [b""]
    header: dict[str, Any] = orjson.loads(header_line)
    ids: list[list[str | None]] = header["ids"]
    if len(ids) != len(items):
        raise ValueError("a cached list's header does not match its items")
    entries = tuple(
        Entry(str(content_id), program_id, data)
        for (content_id, program_id), data in zip(ids, items, strict=True)
    )
    return CachedList(header["version"], header["generatedAt"], header["expiresAt"], entries)


def _member(key: ListKey) -> bytes:
    query = key.query
    fields = [key.kind.value, key.version, query.content_type.value, query.category, query.language]
    return orjson.dumps(fields)


def _key(fields: list[Any]) -> ListKey:
    kind, version, content_type, category, language = fields
    query = ListQuery(ListContentType(content_type), category, language)
    return ListKey(ListKind(kind), query, version)


def _as_bytes(raw: object) -> bytes:
    # the client is created without decode_responses: everything comes back as bytes
    if not isinstance(raw, bytes):
        raise TypeError(f"expected bytes from Redis, got {type(raw).__name__}")
    return raw
