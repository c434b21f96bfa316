"""One place that turns every error into `{"error": {"code", "message"}}` with its status.

An answer carries the error's `public_message` (mediamesh/errors.py): a 5xx never names a
host, user or database, whoever asks, API key or not; the log line keeps the full message.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException

from mediamesh.errors import DependencyError, MediaMeshError
from mediamesh.http.responses import JSON

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = "5"


def error_response(
    status: int, code: str, message: str, headers: dict[str, str] | None = None, **extra: Any
) -> JSON:
    body: dict[str, Any] = {"code": code, "message": message, **extra}
    return JSON({"error": body}, status_code=status, headers=headers)


def install(app: FastAPI) -> None:
    @app.exception_handler(MediaMeshError)
    async def _ours(request: Request, exc: MediaMeshError) -> JSON:
        headers = None
        if isinstance(exc, DependencyError):
            headers = {"Retry-After": RETRY_AFTER_SECONDS}
            log.warning("%s %s failed: %s", request.method, request.url.path, exc.message)
        elif exc.status >= 500:
            log.error("%s %s failed", request.method, request.url.path, exc_info=exc)
        return error_response(exc.status, exc.code, exc.public_message, headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSON:
        details = [
            {"location": ".".join(str(p) for p in err["loc"]), "message": err["msg"]}
            for err in exc.errors()
        ]
        first = details[0] if details else {"location": "request", "message": "invalid"}
        return error_response(
            422,
            "invalid_input",
            f"{first['location']}: {first['message']}",
            details=details[:20],
        )

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> JSON:
        code = {404: "not_found", 405: "method_not_allowed", 413: "payload_too_large"}.get(
            exc.status_code, "http_error"
        )
        return error_response(exc.status_code, code, str(exc.detail), dict(exc.headers or {}))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSON:
        log.error("%s %s failed unexpectedly", request.method, request.url.path, exc_info=exc)
        return error_response(500, "internal_error", "internal error; it has been logged")
