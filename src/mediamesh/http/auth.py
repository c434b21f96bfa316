"""API keys, compared in constant time.

- Writes need a key from MEDIAMESH_API_KEYS (`require_api_key`); with none configured every
  write is refused: an open write API is never a default.
- Reads are public unless MEDIAMESH_READ_API_KEYS is set (`require_read_key`); then they need
  a read key or a write key (whoever may write may read).
- `GET /metrics` is open unless METRICS_API_KEYS is set (`require_metrics_key`); then it
  needs one of those keys: a scraper's credential, which neither API keys nor read keys are.
All answer 401 without a bearer key and 403 for a key that is not accepted. Keys are never
logged: the request log records no headers, and settings hold keys as SecretStr.
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from mediamesh.errors import Forbidden, Unauthorized
from mediamesh.http.app_state import settings_of

# Declares the scheme in the OpenAPI document; the checks below decide (auto_error=False).
_bearer = HTTPBearer(auto_error=False, description="`Authorization: Bearer <key>`")
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def check_api_key(authorization: str | None, keys: tuple[str, ...]) -> None:
    """Raise Unauthorized without a bearer key, Forbidden for a key not in `keys`.

    With no keys configured every write is refused: an open write API is never a default.
    """
    scheme, _, presented = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not presented.strip():
        raise Unauthorized("this endpoint needs `Authorization: Bearer <key>`")
    if not keys:
        raise Forbidden("writes are disabled: no keys are configured in MEDIAMESH_API_KEYS")
    if not _matches_any(presented.strip(), keys):
        raise Forbidden("the API key is not valid")


def _matches_any(presented: str, keys: tuple[str, ...]) -> bool:
    given = presented.encode()
    # compare against every key so the time taken does not reveal which one was close
    matched = False
    for key in keys:
        matched |= hmac.compare_digest(given, key.encode())
    return matched


async def require_api_key(request: Request, _: Credentials) -> None:
    """FastAPI dependency for write routes."""
    check_api_key(request.headers.get("authorization"), settings_of(request).api_keys)


async def require_read_key(request: Request, _: Credentials) -> None:
    """FastAPI dependency for read routes: a no-op unless MEDIAMESH_READ_API_KEYS is set."""
    settings = settings_of(request)
    if settings.read_api_keys:
        check_api_key(
            request.headers.get("authorization"), settings.read_api_keys + settings.api_keys
        )


async def require_metrics_key(request: Request, _: Credentials) -> None:
    """FastAPI dependency for GET /metrics: a no-op unless METRICS_API_KEYS is set."""
    keys = settings_of(request).metrics_keys
    if keys:
        check_api_key(request.headers.get("authorization"), keys)
