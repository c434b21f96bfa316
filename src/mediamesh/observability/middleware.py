"""Per request: a request id (taken from X-Request-ID or made, and returned), one JSON log
line, and the request metrics. A pure ASGI middleware: no body buffering on the hot path."""

from __future__ import annotations

import logging
import re
import time
import uuid
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mediamesh.observability.logs import request_id
from mediamesh.observability.metrics import Metrics

log = logging.getLogger("mediamesh.request")
_VALID_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


class RequestContext:
    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = _incoming_id(scope) or uuid.uuid4().hex
        token = request_id.set(rid)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", rid.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            route = _route_template(scope)
            method = scope["method"]
            self.metrics.requests.labels(route, method, str(status)).inc()
            self.metrics.latency.labels(route, method).observe(elapsed)
            log.info(
                "request",
                extra={
                    "requestId": rid,
                    "method": method,
                    "path": scope["path"],
                    "route": route,
                    "status": status,
                    "durationMs": round(elapsed * 1000, 2),
                },
            )
            request_id.reset(token)


def _incoming_id(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"x-request-id":
            text = value.decode("latin-1")
            return text if _VALID_ID.match(text) else None
    return None


def _route_template(scope: Scope) -> str:
    # the template, never the raw path: a label per contentId would explode the series count
    route: Any = scope.get("route")
    return getattr(route, "path", None) or "unmatched"
