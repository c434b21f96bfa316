"""The proxy itself, against the real Redis: pass, refuse and hang do what they say."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from tests.conftest import REDIS_URL
from tests.resilience.fault_proxy import FaultProxy


@pytest.fixture
def proxy() -> Iterator[FaultProxy]:
    host_port = REDIS_URL.split("//", 1)[1].split("/", 1)[0]
    host, port = host_port.rsplit(":", 1)
    proxy = FaultProxy(host, int(port)).start()
    yield proxy
    proxy.stop()


def client(proxy: FaultProxy, timeout: float = 30.0) -> redis.Redis:
    """A client that waits `timeout` seconds for an answer: by default more than a busy
    machine ever needs, so that only a hang makes it time out."""
    return redis.Redis(
        port=proxy.port,
        socket_timeout=timeout,
        socket_connect_timeout=timeout,
        retry=Retry(NoBackoff(), 0),
    )


def test_modes(proxy: FaultProxy) -> None:
    assert client(proxy).ping() is True

    proxy.set_mode("refuse")
    with pytest.raises(redis.ConnectionError):
        client(proxy).ping()

    proxy.set_mode("hang")
    with pytest.raises(redis.TimeoutError):
        client(proxy, timeout=0.5).ping()  # the budget makes the hang show; no bound on time

    proxy.set_mode("pass")
    assert client(proxy).ping() is True
