"""What the discovery service runs beside its routes while the app is up (background workers:
refresh ahead, the takedown listeners and purger, the events' group-commit writer and their
aggregator), entered once in the
application lifespan after the shared clients are open. The wiring stores what it yields in
`app.state.discovery` for the routes (`of(request)`); the service itself is assembled in
`assembly`."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from fastapi import Request

from mediamesh.discovery.assembly import build_service
from mediamesh.discovery.events.aggregator import Aggregator, InboxSampler
from mediamesh.discovery.events.models import AcceptedTimes
from mediamesh.discovery.events.writer import EventWriter
from mediamesh.discovery.ranking.compute import RankingParams
from mediamesh.discovery.service import DiscoveryService
from mediamesh.discovery.stores import DiscoveryStores
from mediamesh.discovery.takedown_sync import TakedownSync
from mediamesh.discovery.takedowns import takedown_window_seconds
from mediamesh.errors import DependencyError
from mediamesh.http.app_state import app_attribute

log = logging.getLogger(__name__)

SHUTDOWN_GRACE_SECONDS = 2.0
INITIAL_RETRY_SECONDS = 0.5
MAX_RETRY_SECONDS = 10.0


@dataclass(frozen=True)
class DiscoveryRuntime:
    service: DiscoveryService  # the lists, through the near cache and the cache-aside chain
    events: EventWriter  # one per process and database: batches share statements
    accepted_times: AcceptedTimes
    takedowns: TakedownSync  # the takedown log in PostgreSQL: read, and purged from the tiers
    inbox: InboxSampler  # events acknowledged but not folded yet, sampled for /metrics
    # set once the takedown notices are first subscribed and the near cache has caught up
    # with what was missed (which clears it): a copy cached before then may be dropped
    notices_subscribed: asyncio.Event


def of(request: Request) -> DiscoveryRuntime:
    """The running discovery service of the app serving `request` (set by the lifespan)."""
    return app_attribute(request, "discovery", DiscoveryRuntime)


@asynccontextmanager
async def running(stores: DiscoveryStores) -> AsyncIterator[DiscoveryRuntime]:
    service = build_service(stores)
    settings = stores.settings
    takedowns = TakedownSync(
        stores.pool,
        service,
        database_url=settings.database_url,
        window_seconds=takedown_window_seconds(settings),
        poll_seconds=settings.takedown_poll_seconds,
        purge_budget_seconds=settings.takedown_purge_timeout_seconds,
    )
    # before serving: the takedowns a copy still in the tiers may predate (the reader keeps
    # up from then on, and retries if PostgreSQL cannot answer now)
    with contextlib.suppress(DependencyError, TimeoutError):
        await takedowns.poll_once()
    stop, notices_subscribed = asyncio.Event(), asyncio.Event()
    aggregator = Aggregator(
        stores.pool,
        settings.events_fold_interval_seconds,
        RankingParams.from_settings(settings).totals_windows,
    )
    workers = {
        asyncio.create_task(service.refresh.run(settings.refresh_ahead_interval_seconds)),
        asyncio.create_task(_listen_for_takedowns(service, stop, notices_subscribed)),
        asyncio.create_task(takedowns.run(stop)),
        asyncio.create_task(aggregator.stats.run()),
    }
    if settings.events_fold_interval_seconds:
        workers.add(asyncio.create_task(aggregator.run()))
    try:
        yield DiscoveryRuntime(
            service,
            EventWriter(stores.pool),
            AcceptedTimes.from_settings(settings),
            takedowns,
            aggregator.stats,
            notices_subscribed,
        )
    finally:
        stop.set()
        for worker in workers:
            worker.cancel()
        _, stuck = await asyncio.wait(workers, timeout=SHUTDOWN_GRACE_SECONDS)
        if stuck:  # they end at their next check of `stop`
            log.warning("%d discovery workers still stopping at shutdown", len(stuck))
        await service.background.close(SHUTDOWN_GRACE_SECONDS)


async def _listen_for_takedowns(
    service: DiscoveryService, stop: asyncio.Event, subscribed_once: asyncio.Event
) -> None:
    """Keep the takedown subscription up; reconnect with backoff while Redis is down."""
    delay = INITIAL_RETRY_SECONDS

    async def subscribed() -> None:
        nonlocal delay
        await service.catch_up()
        subscribed_once.set()
        delay = INITIAL_RETRY_SECONDS

    while not stop.is_set():
        try:
            await service.takedown_store.listen(service.on_takedown, subscribed, stop)
        except DependencyError as exc:
            log.warning("takedown listener: %s; retrying in %.1f s", exc.message, delay)
        except Exception:  # a client's surprise must not end the notices for good
            log.exception("takedown listener failed; retrying in %.1f s", delay)
        else:
            continue
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), delay)
        delay = min(delay * 2, MAX_RETRY_SECONDS)
