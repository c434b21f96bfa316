"""The Redis tier of the lists and the compute lock, against the real Redis."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import pytest
from redis.crc import key_slot

from mediamesh.cache.tier import MISS
from mediamesh.discovery.cached_list import ListKey
from mediamesh.discovery.tiers.redis import RedisListStore, encode
from mediamesh.settings import Settings
from mediamesh.storage import redis as redis_client
from mediamesh.storage.redis import RedisClient
from mediamesh.storage.redis_lock import RedisLock
from tests.conftest import Stack
from tests.discovery.tiers.lists_fixtures import VERSION, a_key, a_list


@pytest.fixture
async def redis(stack: Stack) -> AsyncIterator[RedisClient]:
    client = redis_client.create_client(stack.redis_url, cluster=stack.redis_cluster)
    yield client
    await client.aclose()


@pytest.fixture
def settings(stack: Stack) -> Settings:
    return stack.settings()


async def test_round_trip_keeps_the_items_bytes_and_the_ttl(
    redis: RedisClient, settings: Settings, unique: str
) -> None:
    store = RedisListStore(redis, settings.redis_key_prefix)
    key = a_key(unique)
    value = a_list("r", 100, expires_in=120)
    await store.put(key, value)
    assert await store.get(key, time.time()) == value
    name = store.key(key)
    assert name == (
        f"{settings.redis_key_prefix}{{discovery:lists}}:trending:{VERSION}:all#category=cat-{unique}"
    )
    # a list and the registry share a hash slot: written in one transaction on a cluster too
    assert key_slot(name.encode()) == key_slot(store.registry_key.encode())
    left = await redis.pttl(name)
    assert 115_000 < left <= 120_000  # the key expires with the list


async def test_an_empty_list_is_a_value(
    redis: RedisClient, settings: Settings, unique: str
) -> None:
    store = RedisListStore(redis, settings.redis_key_prefix)
    empty = a_list("none", 0)
    await store.put(a_key(unique), empty)
    assert await store.get(a_key(unique), time.time()) == empty


async def test_expired_or_foreign_versions_are_misses(
    redis: RedisClient, settings: Settings, unique: str
) -> None:
    store = RedisListStore(redis, settings.redis_key_prefix)
    key = a_key(unique)
    value = a_list("r", 3, expires_in=60)
    await store.put(key, value)
    assert await store.get(key, value.expires_at + 1) is MISS
    other = ListKey(key.kind, key.query, "1.other")
    await redis.set(store.key(other), encode(value), ex=60)  # an old formula's list, misfiled
    assert await store.get(other, time.time()) is MISS
    await store.put(key, a_list("gone", 2, expires_in=-1))  # already expired: not stored
    assert await store.get(key, time.time()) == value


async def test_registry_names_the_live_lists(
    redis: RedisClient, settings: Settings, unique: str
) -> None:
    store = RedisListStore(redis, f"{settings.redis_key_prefix}{unique}:")
    keys = [a_key(unique), a_key(unique, category=None), a_key(f"{unique}b")]
    for key in keys:
        await store.put(key, a_list("k", 1))
    await store.put(a_key(f"{unique}c"), a_list("k", 1, expires_in=-5))
    assert set(await store.known_keys(VERSION, time.time())) == set(keys)
    assert await store.known_keys("1.other", time.time()) == []


async def test_the_lock_has_one_holder(redis: RedisClient, settings: Settings, unique: str) -> None:
    lock = RedisLock(redis, settings.redis_key_prefix)
    ttl = 600  # far beyond the test, however slowly it runs: the lock never expires in it
    token = await lock.acquire(unique, ttl)
    assert token is not None
    assert await lock.acquire(unique, ttl) is None
    await lock.release(unique, "not-the-token")  # a stranger cannot release it
    assert await lock.acquire(unique, ttl) is None
    assert 0 < await redis.pttl(lock.key(unique)) <= ttl * 1000
    await lock.release(unique, token)
    assert await lock.acquire(unique, ttl) is not None


async def test_the_registry_names_at_most_cap_lists(
    redis: RedisClient, settings: Settings, unique: str
) -> None:
    store = RedisListStore(redis, f"{settings.redis_key_prefix}{unique}:")
    now = time.time()
    keys = [a_key(f"{unique}-{n}") for n in range(5)]
    assert [await store.register(key, now + 60, 3, now) for key in keys] == [
        True, True, True, False, False,
    ]  # fmt: skip
    assert await store.register(keys[0], now + 120, 3, now)  # named already: renewed
    assert await store.live_lists(now) == 3
    assert set(await store.known_keys(VERSION, now)) == set(keys[:3])
    # expired lists leave the registry, and free their places
    assert await store.register(keys[3], now + 200, 3, now + 90)
    assert set(await store.known_keys(VERSION, now + 90)) == {keys[0], keys[3]}
