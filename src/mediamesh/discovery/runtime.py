"""What the discovery service runs beside its routes while the app is up (background workers:
refresh ahead and the takedown listener), entered once in the application lifespan after the
shared clients are open. What it yields is stored as `app.state.discovery` for the routes;
the service itself is assembled in `assembly`."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from mediamesh.app.resources import Resources
from mediamesh.discovery.assembly import build_service
from mediamesh.discovery.service import DiscoveryService
from mediamesh.errors import DependencyError

log = logging.getLogger(__name__)

SHUTDOWN_GRACE_SECONDS = 2.0
INITIAL_RETRY_SECONDS = 0.5
MAX_RETRY_SECONDS = 10.0


@asynccontextmanager
async def running(resources: Resources) -> AsyncIterator[DiscoveryService]:
    service = build_service(resources)
    settings = resources.settings
    await service.start()
    stop = asyncio.Event()
    workers = {
        asyncio.create_task(service.refresh.run(settings.refresh_ahead_interval_seconds)),
        asyncio.create_task(_listen_for_takedowns(service, stop)),
    }
    try:
        yield service
    finally:
        stop.set()
        for worker in workers:
            worker.cancel()
        _, stuck = await asyncio.wait(workers, timeout=SHUTDOWN_GRACE_SECONDS)
        if stuck:  # they end at their next check of `stop`
            log.warning("%d discovery workers still stopping at shutdown", len(stuck))
        await service.background.close(SHUTDOWN_GRACE_SECONDS)


async def _listen_for_takedowns(service: DiscoveryService, stop: asyncio.Event) -> None:
    """Keep the takedown subscription up; reconnect with backoff while Redis is down."""
    delay = INITIAL_RETRY_SECONDS

    async def subscribed() -> None:
        nonlocal delay
        await service.catch_up()
        delay = INITIAL_RETRY_SECONDS

    while not stop.is_set():
        try:
            await service.takedown_store.listen(service.on_takedown, subscribed, stop)
        except DependencyError as exc:
            log.warning("takedown listener: %s; retrying in %.1f s", exc.message, delay)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), delay)
            delay = min(delay * 2, MAX_RETRY_SECONDS)
