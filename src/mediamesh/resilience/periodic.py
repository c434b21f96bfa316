"""Background work on a schedule that outlives any one failure: a figure sampled for
/metrics, an in-process index refreshed from PostgreSQL. A scrape or a request reads what
the last turn left; a failed turn leaves it in place and the next one comes as planned."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")


async def repeat(action: Callable[[], Awaitable[object]], every: float, what: str) -> None:
    """Run `action` at once, then every `every` seconds, until cancelled; a failure is
    logged (as `what`) and does not stop the loop."""
    while True:
        try:
            await action()
        except Exception as exc:  # a background loop must outlive any one failure
            log.warning("%s failed, next try in %g s: %r", what, every, exc)
        await asyncio.sleep(every)


async def woken_or_after(wake: asyncio.Event, seconds: float) -> None:
    """Return when `wake` is set or after `seconds`, whichever comes first: a worker's idle
    wait that a notify cuts short."""
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
