"""Background work on a schedule that outlives any one failure: a figure sampled for
/metrics, an in-process index refreshed from PostgreSQL. A scrape or a request reads what
the last turn left; a failed turn leaves it in place and the next one comes as planned.

And that stops when cancelled, even when a library swallowed the cancellation: on Python
3.11, a cancellation that races a timeout or a completion inside `asyncio.wait_for` (which
asyncpg and aiohttp use) can be lost, and a loop that goes on would keep its owner's
shutdown waiting forever (seen once in CI: the search outbox relay, at an app's shutdown
while PostgreSQL was cut off). Every background loop checks `raise_if_cancelled` each
turn, and `stopped` cancels again until its tasks have ended.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")


# how long `stopped` waits for cancelled tasks before cancelling them again
STOP_RETRY_SECONDS = 1.0


def raise_if_cancelled() -> None:
    """Raise CancelledError if this task's cancellation has been requested (and so was
    swallowed on the way, or it would have been raised already): call at each turn of a
    background loop."""
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError


async def stopped(tasks: Iterable[asyncio.Task[Any]]) -> None:
    """Cancel `tasks` and return once every one has ended, cancelling again every
    STOP_RETRY_SECONDS those still running (each cancellation is raised anew in them)."""
    pending = set(tasks)
    while pending:
        for task in pending:
            task.cancel()
        _, pending = await asyncio.wait(pending, timeout=STOP_RETRY_SECONDS)
        if pending:
            log.warning("%d background tasks still running after a cancellation", len(pending))


async def repeat(action: Callable[[], Awaitable[object]], every: float, what: str) -> None:
    """Run `action` at once, then every `every` seconds, until cancelled; a failure is
    logged (as `what`) and does not stop the loop."""
    while True:
        raise_if_cancelled()
        try:
            await action()
        except Exception as exc:  # a background loop must outlive any one failure
            log.warning("%s failed, next try in %g s: %r", what, every, exc)
        await asyncio.sleep(every)


async def woken_or_after(wake: asyncio.Event, seconds: float) -> None:
    """Return when `wake` is set or after `seconds`, whichever comes first: a worker's idle
    wait that a notify cuts short. Raises CancelledError first if the task's cancellation
    was swallowed (raise_if_cancelled): every idle turn of a worker checks."""
    raise_if_cancelled()
    try:
        async with asyncio.timeout(seconds):
            await wake.wait()
    except TimeoutError:
        pass


@dataclass
class Sampler(Generic[T]):
    """A figure read by `read` in the background every `interval_seconds` (`run`): `latest`
    is the last sample (`latest` as given until the first one); `samples` counts them."""

    what: str
    read: Callable[[], Awaitable[T]]
    interval_seconds: float
    latest: T
    samples: int = field(default=0, init=False)

    async def sample(self) -> T:
        """Read the figure now and keep it; raises what `read` raises."""
        self.latest = await self.read()
        self.samples += 1
        return self.latest

    async def run(self) -> None:
        """Sample at once, then every interval, until cancelled."""
        await repeat(self.sample, self.interval_seconds, f"{self.what}: sampling")
