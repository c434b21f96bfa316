"""Background work of a request (write-backs): started without being awaited, tracked so it
can be drained on shutdown, and never able to fail the request that started it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

log = logging.getLogger(__name__)


class BackgroundTasks:
    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def pending(self) -> int:
        return len(self._tasks)

    def submit(self, work: Coroutine[Any, Any, None], name: str) -> None:
        """Start `work` now; its exceptions are logged (callers count their own failures)."""
        task = asyncio.create_task(work, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("background task %s failed", task.get_name(), exc_info=task.exception())

    async def wait_idle(self) -> None:
        """Wait until nothing is pending, including work submitted while waiting."""
        while self._tasks:
            await asyncio.wait(set(self._tasks))

    async def close(self, timeout_seconds: float) -> None:
        """Give pending work `timeout_seconds` to finish, then cancel what is left."""
        if not self._tasks:
            return
        _, still = await asyncio.wait(set(self._tasks), timeout=timeout_seconds)
        for task in still:
            task.cancel()
        if still:
            # bounded too: a client library may swallow a cancellation that races a timeout
            await asyncio.wait(still, timeout=timeout_seconds)
            log.warning("cancelled %d unfinished background tasks at shutdown", len(still))
