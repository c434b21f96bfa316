"""Per request: a request id (taken from X-Request-ID or made, and returned), one JSON log
line, and the request metrics. A pure ASGI middleware: no body buffering on the hot path.
`RequestLog` is shared with the lists' fast path (discovery/fast_lists.py), which answers in front
of this middleware and must leave the same trace."""

from __future__ import annotations

import logging
import random
import re
import time
from typing import Any

from prometheus_client.metrics import Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mediamesh.observability.logs import request_id
from mediamesh.observability.metrics import Metrics

log = logging.getLogger("mediamesh.request")
_VALID_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def request_id_from(header: bytes | None) -> str:
    """The client's X-Request-ID when it is a sane one, else a new id."""
    if header is not None:
        text = header.decode("latin-1")
        if _VALID_ID.match(text):
            return text
    # an id correlates log lines, it guards nothing: no need for uuid4's system call
    return f"{random.getrandbits(128):032x}"


class RequestLog:
    """Counts and logs finished requests; keeps the labelled series it has used, since
    looking them up by label values costs more than the counting itself."""

    def __init__(self, metrics: Metrics) -> None:
        self._metrics = metrics
        self._series: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}

    def record(
        self, rid: str, method: str, path: str, route: str, status: int, elapsed: float
    ) -> None:
        series = self._series.get((route, method, status))
        if series is None:
            series = (
                self._metrics.requests.labels(route, method, str(status)),
                self._metrics.latency.labels(route, method),
            )
            self._series[(route, method, status)] = series
        series[0].inc()
        series[1].observe(elapsed)
        if log.isEnabledFor(logging.INFO):
            log.info(
                "request",
                extra={
                    "requestId": rid,
                    "method": method,
                    "path": path,
                    "route": route,
                    "status": status,
                    "durationMs": round(elapsed * 1000, 2),
                },
            )


class RequestContext:
    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.requests = RequestLog(metrics)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = request_id_from(_header(scope, b"x-request-id"))
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
            self.requests.record(rid, scope["method"], scope["path"], route, status, elapsed)
            request_id.reset(token)


def _header(scope: Scope, wanted: bytes) -> bytes | None:
    for name, value in scope["headers"]:
        if name == wanted:
            return value  # type: ignore[no-any-return]
    return None


def _route_template(scope: Scope) -> str:
    # the template, never the raw path: a label per contentId would explode the series count
    route: Any = scope.get("route")
    return getattr(route, "path", None) or "unmatched"
