"""The list hot path without the framework: near-cache hits of GET /v1/discovery/trending and
/popular answered straight from ASGI, in front of FastAPI.

A profile of near-cache hits put ~95 % of their time in the framework (routing, dependency
solving, the middleware stack). This path answers only what it can answer exactly as the
routes would: a GET of one of the two paths with no body, known and valid query parameters
(list_params.parse_query, from the routes' own rules), an accepted read key when
MEDIAMESH_READ_API_KEYS is set, no Origin when CORS is on, and the list in the near cache.
Anything else — a miss, an unusual, unknown or bad parameter, a missing key — falls through
to the app untouched, so errors (422, 401, 403) and every other behaviour stay the
framework's. What it answers carries the same headers (built once per near-cache entry and
second), is counted in the same request metrics and logged in the same line as by
RequestContext, and keeps the list fresh (refresh ahead) like the route.
"""

from __future__ import annotations

import time

from starlette.datastructures import State
from starlette.types import Scope, Send

from mediamesh.discovery.list_caching import etag_matches, list_headers, max_age
from mediamesh.discovery.list_params import parse_query  # the routes' rules (one place)
from mediamesh.discovery.models import ListKind
from mediamesh.discovery.rendering import RenderedList
from mediamesh.discovery.runtime import DiscoveryRuntime
from mediamesh.errors import MediaMeshError
from mediamesh.http.auth import check_api_key
from mediamesh.observability.logs import request_id
from mediamesh.observability.metrics import Metrics
from mediamesh.observability.middleware import RequestLog, request_id_from
from mediamesh.settings import Settings

KINDS = {"/v1/discovery/trending": ListKind.TRENDING, "/v1/discovery/popular": ListKind.POPULAR}
_FALL_THROUGH_HEADERS = frozenset({b"content-length", b"transfer-encoding"})
_MEMO_MAX = 256
Headers = list[tuple[bytes, bytes]]


class FastLists:
    """Called by the app (app/factory.py) before anything else; `state.discovery` is the running
    DiscoveryRuntime once the lifespan has started."""

    def __init__(self, state: State, metrics: Metrics, settings: Settings) -> None:
        self._state = state
        self._requests = RequestLog(metrics)
        read_keys = settings.read_api_keys
        self._keys = read_keys + settings.api_keys if read_keys else None  # as http/auth.py
        self._cors = bool(settings.cors_origins)
        self._window = settings.list_http_max_age_seconds
        # id(rendered) → (rendered, kind, max-age, 200 headers, 304 headers)
        self._memo: dict[int, tuple[RenderedList, ListKind, int, Headers, Headers]] = {}

    async def answer(self, scope: Scope, send: Send) -> bool:
        """Answer the HTTP request if it is a near-cache hit this path may serve; else
        return False having sent nothing, for the app to answer it."""
        started = time.perf_counter()
        kind = KINDS.get(scope["path"])
        if kind is None or scope["method"] != "GET" or scope.get("root_path"):
            return False
        parsed = parse_query(scope["query_string"])
        if parsed is None:
            return False
        rid = authorization = if_none_match = None
        for name, value in scope["headers"]:
            if name == b"x-request-id":
                rid = value if rid is None else rid
            elif name == b"authorization":
                authorization = value if authorization is None else authorization
            elif name == b"if-none-match":
                if_none_match = value if if_none_match is None else if_none_match
            elif name in _FALL_THROUGH_HEADERS or (name == b"origin" and self._cors):
                return False
        if self._keys is not None and not _accepted(authorization, self._keys):
            return False
        discovery = getattr(self._state, "discovery", None)
        if not isinstance(discovery, DiscoveryRuntime):  # the lifespan has not started
            return False
        query, limit = parsed
        rendered = discovery.service.near_hit(kind, query, limit)
        if rendered is None or rendered.stale:
            return False
        ok, not_modified = self._headers(rendered, kind)
        inm = None if if_none_match is None else if_none_match.decode("latin-1")
        if etag_matches(inm, rendered.etag):
            status, headers, body = 304, not_modified, b""
        else:
            status, headers, body = 200, ok, rendered.body
        rid_text = request_id_from(rid)
        token = request_id.set(rid_text)
        try:
            headers = [*headers, (b"x-request-id", rid_text.encode())]
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": body})
        finally:  # counted and logged even when the client went away, as by RequestContext
            elapsed = time.perf_counter() - started
            self._requests.record(rid_text, "GET", scope["path"], scope["path"], status, elapsed)
            request_id.reset(token)
        return True

    def _headers(self, rendered: RenderedList, kind: ListKind) -> tuple[Headers, Headers]:
        """The 200 and 304 headers, as Starlette's Response renders them for the route,
        built once per near-cache entry and value of max-age."""
        fresh = max_age(rendered, self._window, time.time())
        memo = self._memo.get(id(rendered))
        if memo is not None and memo[0] is rendered and memo[1] is kind and memo[2] == fresh:
            return memo[3], memo[4]
        not_modified = [
            (name.lower().encode("latin-1"), value.encode("latin-1"))
            for name, value in list_headers(rendered, kind, fresh, self._window).items()
        ]
        ok = [
            *not_modified,
            (b"content-length", str(len(rendered.body)).encode()),
            (b"content-type", b"application/json"),
        ]
        if len(self._memo) >= _MEMO_MAX:
            self._memo.clear()
        # the entry holds `rendered`, so its id cannot be reused while the entry lives
        self._memo[id(rendered)] = (rendered, kind, fresh, ok, not_modified)
        return ok, not_modified


def _accepted(authorization: bytes | None, keys: tuple[str, ...]) -> bool:
    """Whether http/auth.py would let the read through (constant-time, the same check)."""
    try:
        check_api_key(None if authorization is None else authorization.decode("latin-1"), keys)
    except MediaMeshError:
        return False
    return True
