"""An in-memory stand-in of OUR Tier and DistributedLock interfaces, for the pure-logic
tests of the chain (the real stores are tested in tests/storage and tests/discovery)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from mediamesh.cache.tier import MISS, Miss


@dataclass(frozen=True)
class Value:
    text: str
    expires_at: float = 1e12


class MemoryTier:
    def __init__(self, name: str) -> None:
        self.name = name
        self.data: dict[str, Value] = {}
        self.fail: Exception | None = None
        self.hang = False
        self.puts = 0

    async def get(self, key: str, now: float) -> Value | Miss:
        await self._behave()
        value = self.data.get(key)
        return MISS if value is None or value.expires_at <= now else value

    async def put(self, key: str, value: Value) -> None:
        await self._behave()
        self.puts += 1
        self.data[key] = value

    async def delete(self, key: str) -> None:
        await self._behave()
        self.data.pop(key, None)

    async def _behave(self) -> None:
        if self.hang:
            await asyncio.Event().wait()
        if self.fail is not None:
            raise self.fail


class MemoryLock:
    def __init__(self) -> None:
        self.holders: dict[str, str] = {}
        self.fail: Exception | None = None

    async def acquire(self, name: str, ttl_seconds: float) -> str | None:
        if self.fail is not None:
            raise self.fail
        if name in self.holders:
            return None
        self.holders[name] = f"token-{len(self.holders)}"
        return self.holders[name]

    async def release(self, name: str, token: str) -> None:
        if self.holders.get(name) == token:
            del self.holders[name]
