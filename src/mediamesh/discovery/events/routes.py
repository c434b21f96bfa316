"""POST /v1/discovery/events: engagement events in, 202 once they are stored."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.routing import APIRoute

from mediamesh.discovery import runtime
from mediamesh.discovery.events.ingestion import ingest, ingest_plain
from mediamesh.discovery.events.models import EventBatch
from mediamesh.discovery.events.plain_batch import plain_batch_size
from mediamesh.errors import Forbidden, Unauthorized
from mediamesh.http.app_state import settings_of
from mediamesh.http.auth import check_api_key, require_api_key
from mediamesh.http.responses import JSON
from mediamesh.http.write_guard import postgres_write


class _PlainBatchesFirst(APIRoute):
    """The route, with a fast path in front of the framework's handler: an authorised JSON
    body that plain_batch accepts is stored as it came, without stdlib JSON parsing, the
    pydantic model and the per-event checks (~40 % of the server's time in a profile).
    Anything else, and a batch that the store refuses, goes to the framework's handler (the
    same request, body already read), so its validation, dependencies and error messages
    stay the contract."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        framework = super().get_route_handler()

        async def handler(request: Request) -> Response:
            accepted = await _plain(request)
            if accepted is None:
                return await framework(request)
            return JSON({"accepted": accepted}, status_code=202)

        return handler


router = APIRouter(prefix="/v1/discovery", tags=["discovery"], route_class=_PlainBatchesFirst)


@router.post("/events", status_code=202, dependencies=[Depends(require_api_key)])
async def post_events(body: EventBatch, request: Request) -> dict[str, int]:
    """Record up to 1,000 view / like / complete events atomically: all or none.

    `occurredAt` defaults to now; it may be at most EVENTS_MAX_CLOCK_SKEW_SECONDS ahead and
    no older than the longest list window. The 202 comes after the events are committed.
    """
    discovery, now = runtime.of(request), datetime.now(UTC)
    accepted = await postgres_write(
        request,
        lambda: ingest(discovery.events, body.events, discovery.accepted_times, now),
    )
    return {"accepted": accepted}


async def _plain(request: Request) -> int | None:
    """How many events the fast path stored, or None when the framework's handler must
    answer (nothing stored then)."""
    content_type = request.headers.get("content-type", "")
    if content_type.partition(";")[0].strip().lower() != "application/json":
        return None
    try:  # as require_api_key; the framework's handler refuses with the same check
        check_api_key(request.headers.get("authorization"), settings_of(request).api_keys)
    except (Unauthorized, Forbidden):
        return None
    try:
        body = await request.body()
    except Exception:  # e.g. the client left: the framework's handler answers as it would
        return None
    if plain_batch_size(body) is None:
        return None
    discovery, now = runtime.of(request), datetime.now(UTC)
    return await postgres_write(
        request,
        lambda: ingest_plain(discovery.events, body.decode(), discovery.accepted_times, now),
    )
