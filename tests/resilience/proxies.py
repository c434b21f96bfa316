"""A FaultProxy in front of each store, and settings that reach the stores only through them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from mediamesh.settings import Settings
from tests.resilience.fault_proxy import FaultProxy


@dataclass(frozen=True)
class Proxies:
    postgres: FaultProxy
    redis: FaultProxy
    dynamodb: FaultProxy

    def by_name(self, name: str) -> FaultProxy:
        proxy: FaultProxy = getattr(self, name)
        return proxy

    def all_pass(self) -> None:
        for proxy in (self.postgres, self.redis, self.dynamodb):
            proxy.set_mode("pass")

    def route(self, settings: Settings, **overrides: object) -> Settings:
        """`settings` with every store reached through its proxy (and `overrides`)."""
        assert settings.dynamodb_endpoint is not None
        values = settings.model_dump()
        values.update(
            database_url=through(settings.database_url, self.postgres),
            redis_url=through(settings.redis_url, self.redis),
            dynamodb_endpoint=through(settings.dynamodb_endpoint, self.dynamodb),
        )
        values.update(overrides)
        return Settings.model_validate(values)


def target(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    assert parts.hostname is not None and parts.port is not None, url
    return parts.hostname, parts.port


def through(url: str, proxy: FaultProxy) -> str:
    """`url` with its host and port replaced by the proxy's (loopback only)."""
    parts = urlsplit(url)
    user = f"{parts.username}@" if parts.username else ""
    return urlunsplit(parts._replace(netloc=f"{user}127.0.0.1:{proxy.port}"))


@contextmanager
def proxies_for(settings: Settings, dynamodb_endpoint: str | None = None) -> Iterator[Proxies]:
    """Proxies in front of the stores of `settings` (DynamoDB: `dynamodb_endpoint` if given)."""
    endpoint = dynamodb_endpoint or settings.dynamodb_endpoint
    assert endpoint is not None
    started = [
        FaultProxy(*target(url)).start()
        for url in (settings.database_url, settings.redis_url, endpoint)
    ]
    try:
        yield Proxies(*started)
    finally:
        for proxy in started:
            proxy.stop()
