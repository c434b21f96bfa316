"""POST /v1/discovery/events: engagement events in, 202 once they are stored."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Depends, FastAPI, Request

from mediamesh.api.auth import require_api_key
from mediamesh.api.resources import Resources
from mediamesh.discovery.events import AcceptedTimes, EventBatch, KnownPartitions
from mediamesh.discovery.ingestion import ingest

router = APIRouter(prefix="/v1/discovery", tags=["discovery"])


@router.post("/events", status_code=202, dependencies=[Depends(require_api_key)])
async def post_events(body: EventBatch, request: Request) -> dict[str, int]:
    """Record up to 1,000 view / like / complete events atomically: all or none.

    `occurredAt` defaults to now; it may be at most EVENTS_MAX_CLOCK_SKEW_SECONDS ahead and
    no older than the longest list window. The 202 comes after the events are committed.
    """
    resources: Resources = request.app.state.resources
    accepted = await ingest(
        resources.pool,
        body.events,
        AcceptedTimes.from_settings(resources.settings),
        _known_partitions(request.app),
        datetime.now(UTC),
    )
    return {"accepted": accepted}


def _known_partitions(app: FastAPI) -> KnownPartitions:
    # One per app (hence per pool and database), created on first use.
    known: KnownPartitions | None = getattr(app.state, "event_partitions", None)
    if known is None:
        known = app.state.event_partitions = KnownPartitions()
    return known
