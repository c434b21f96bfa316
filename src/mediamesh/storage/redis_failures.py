"""Turning redis-py's failures into RedisUnavailable, for the Redis adapters of the lists."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from redis.exceptions import RedisClusterException, RedisError

from mediamesh.errors import RedisUnavailable


@contextmanager
def redis_failures(doing: str) -> Iterator[None]:
    try:
        yield
    # RuntimeError: uvloop's "unable to perform operation on <TCPTransport closed=True>",
    # raised through redis-py when the server resets the connection while it reconnects;
    # RedisClusterException: a cluster's own failures (no live master serves a slot, say)
    except (RedisError, RedisClusterException, OSError, RuntimeError) as exc:
        raise RedisUnavailable(
            f"Redis failed while {doing} ({type(exc).__name__}: {exc}); check REDIS_URL"
        ) from exc
