"""The HTTP hardening every app gets: the request body limit and CORS (closed by default).

Order matters: CORS is outermost, so its headers reach every answer (a 401 or a 413 too, which
a browser could otherwise not read); the body limit is innermost, inside the request log, so a
refused upload is still logged and counted like any other request.
"""

from __future__ import annotations

from fastapi import FastAPI
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware

from mediamesh.http.body_limit import BodySizeLimit
from mediamesh.settings import Settings

CORS_METHODS = ["GET", "HEAD", "PUT", "POST", "DELETE"]
CORS_REQUEST_HEADERS = ["Authorization", "Content-Type", "If-None-Match", "X-Request-ID"]
CORS_EXPOSED_HEADERS = ["ETag", "X-Cache-Source", "X-Request-ID", "Retry-After"]
CORS_MAX_AGE_SECONDS = 600


def install(app: FastAPI, settings: Settings) -> None:
    """Call after the app's other middleware is added (see the order above)."""
    # add_middleware puts a middleware outermost; appending puts this one innermost
    app.user_middleware.append(Middleware(BodySizeLimit, max_bytes=settings.max_request_bytes))
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=CORS_METHODS,
            allow_headers=CORS_REQUEST_HEADERS,
            expose_headers=CORS_EXPOSED_HEADERS,
            allow_credentials=False,  # bearer keys, never cookies
            max_age=CORS_MAX_AGE_SECONDS,
        )
