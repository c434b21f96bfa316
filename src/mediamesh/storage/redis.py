"""Redis connections (redis-py asyncio with the hiredis parser): one Redis, or a Redis Cluster
(ElastiCache cluster mode, MemoryDB, a self-run cluster) with the same budgets.

Every key this project writes starts with the configured prefix (REDIS_KEY_PREFIX), so
several deployments or test runs can share one Redis without seeing each other's data.
Every multi-key command, transaction and Lua script touches keys of one hash tag (`{…}`,
see `tagged`), so it stays in one slot of a cluster; a PUBLISH reaches every node of a
cluster, so the takedown notices need no tag.
"""

from __future__ import annotations

import logging
from typing import Any, TypeAlias

import redis.asyncio as aioredis
from redis.asyncio.cluster import RedisCluster
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisClusterException, RedisError

from mediamesh.errors import RedisUnavailable
from mediamesh.settings import masked_url

RedisClient: TypeAlias = aioredis.Redis | RedisCluster
# what a failing call of either client raises: RedisClusterException covers a cluster's own
# (a slot no live master serves, say), which is not a RedisError
FAILURES = (RedisError, RedisClusterException, OSError)

log = logging.getLogger(__name__)


def tagged(prefix: str, tag: str) -> str:
    """A key prefix whose keys share one hash slot: `<prefix>{<tag>}`. (A prefix that holds
    a tag of its own wins: every key of the deployment is then in that one slot.)"""
    return f"{prefix}{{{tag}}}"


def create_client(
    url: str, timeout_seconds: float = 0.5, max_connections: int = 64, *, cluster: bool = False
) -> RedisClient:
    """A pooled client with short timeouts and no retries: on the hot path a slow Redis is
    skipped (the next tier answers) rather than waited on. `cluster`: a cluster client, which
    learns the cluster's nodes from the node at `url` on its first command (so a cluster
    that is down at start-up does not stop start-up either) and follows its redirections."""
    options: dict[str, Any] = {
        "socket_timeout": timeout_seconds,
        "socket_connect_timeout": timeout_seconds,
        "retry": Retry(NoBackoff(), 0),
        "max_connections": max_connections,
        "health_check_interval": 30,
    }
    if cluster:
        return RedisCluster.from_url(url, **options)
    return aioredis.Redis.from_url(url, **options)


def is_cluster_client(client: RedisClient) -> bool:
    return isinstance(client, RedisCluster)


async def connected(client: RedisClient) -> None:
    """Make sure a cluster client knows the cluster's nodes and slots (its first command
    does it too): a pub/sub picks its node from them, and fails without (redis-py). Raises
    what the client raises when the cluster does not answer."""
    if isinstance(client, RedisCluster):
        await client.initialize()


async def is_cluster(url: str, timeout_seconds: float) -> bool | None:
    """Whether the server at `url` runs in cluster mode (`INFO cluster`); None when it does
    not answer."""
    probe = aioredis.Redis.from_url(
        url, socket_timeout=timeout_seconds, socket_connect_timeout=timeout_seconds
    )
    try:
        info = await probe.info("cluster")
    except FAILURES:
        return None
    finally:
        await probe.aclose()
    return bool(int(info.get("cluster_enabled", 0)))


async def open_client(
    url: str, cluster: bool | None, timeout_seconds: float, max_connections: int = 64
) -> RedisClient:
    """The client for REDIS_URL and REDIS_CLUSTER: a cluster client when `cluster` is True,
    or when it is None (not set) and the server says it runs in cluster mode. A server that
    does not answer the question gets a single-node client, with a warning: set
    REDIS_CLUSTER where it matters."""
    if cluster is None:
        cluster = await is_cluster(url, timeout_seconds)
        if cluster is None:
            log.warning(
                "Redis at %s did not answer whether it runs as a cluster: using a single-node "
                "client (set REDIS_CLUSTER=true or false to decide without asking)",
                masked_url(url),
            )
            cluster = False
    return create_client(url, timeout_seconds, max_connections, cluster=cluster)


async def ping(client: RedisClient, url: str) -> None:
    try:
        await client.ping()
    except FAILURES as exc:
        raise RedisUnavailable(
            f"Redis is not reachable at {masked_url(url)} ({type(exc).__name__}); check REDIS_URL"
        ) from exc
