"""Choosing the Redis client: one Redis or a cluster, asked of the real server (the stack's:
one Redis, or this run's own cluster under MEDIAMESH_TEST_REDIS=cluster)."""

from __future__ import annotations

from redis.asyncio.cluster import RedisCluster
from redis.crc import key_slot

from mediamesh.devstack import dynamodb_local
from mediamesh.settings import load_settings
from mediamesh.storage import redis as redis_store
from tests.conftest import Stack


async def test_the_server_says_whether_it_is_a_cluster(stack: Stack) -> None:
    assert await redis_store.is_cluster(stack.redis_url, 2.0) is stack.redis_cluster
    client = await redis_store.open_client(stack.redis_url, None, 2.0)
    try:
        assert isinstance(client, RedisCluster) is stack.redis_cluster
        await redis_store.ping(client, stack.redis_url)
    finally:
        await client.aclose()


async def test_a_server_that_does_not_answer_gets_the_single_node_client() -> None:
    url = f"redis://127.0.0.1:{dynamodb_local.free_port()}/0"
    assert await redis_store.is_cluster(url, 0.5) is None
    client = await redis_store.open_client(url, None, 0.5)
    assert not redis_store.is_cluster_client(client)
    await client.aclose()
    # and REDIS_CLUSTER decides without asking
    chosen = await redis_store.open_client(url, True, 0.5)
    assert redis_store.is_cluster_client(chosen)
    await chosen.aclose()


def test_redis_cluster_is_read_from_the_environment() -> None:
    assert load_settings({"REDIS_CLUSTER": "true"}).redis_cluster is True
    assert load_settings({"REDIS_CLUSTER": "false"}).redis_cluster is False
    assert load_settings({"REDIS_CLUSTER": ""}).redis_cluster is None
    assert load_settings({}).redis_cluster is None


def test_tagged_keys_share_a_slot_whatever_follows() -> None:
    base = redis_store.tagged("mediamesh:", "discovery:lists")
    assert base == "mediamesh:{discovery:lists}"
    assert key_slot(base.encode()) == key_slot(f"{base}:trending:v1:all".encode())
