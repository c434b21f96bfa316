"""One computation per key per process: concurrent callers for the same key share it."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
T = TypeVar("T")


class SingleFlight(Generic[K, T]):
    def __init__(self) -> None:
        self._running: dict[K, asyncio.Task[T]] = {}

    def is_running(self, key: K) -> bool:
        return key in self._running

    async def run(self, key: K, compute: Callable[[], Awaitable[T]]) -> tuple[T, bool]:
        """Run `compute` unless a computation for `key` is already running; either way return
        its result (or raise its exception) and whether this caller joined an existing one.

        The computation runs as its own task: a caller that is cancelled (a client that went
        away) does not cancel it for the others.
        """
        task = self._running.get(key)
        joined = task is not None
        if task is None:
            task = asyncio.ensure_future(compute())
            self._running[key] = task
            task.add_done_callback(lambda done: self._finished(key, done))
        return await asyncio.shield(task), joined

    def _finished(self, key: K, task: asyncio.Task[T]) -> None:
        if self._running.get(key) is task:
            del self._running[key]
        if not task.cancelled():
            task.exception()  # retrieved: no "never retrieved" warning if every caller left
