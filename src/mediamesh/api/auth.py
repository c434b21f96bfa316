"""API keys for write endpoints (MEDIAMESH_API_KEYS), compared in constant time."""

from __future__ import annotations

import hmac

from fastapi import Request

from mediamesh.errors import Forbidden, Unauthorized


def check_api_key(authorization: str | None, keys: tuple[str, ...]) -> None:
    """Raise Unauthorized without a bearer key, Forbidden for a key not in `keys`.

    With no keys configured every write is refused: an open write API is never a default.
    """
    scheme, _, presented = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not presented.strip():
        raise Unauthorized("this endpoint needs `Authorization: Bearer <key>`")
    if not keys:
        raise Forbidden("writes are disabled: no keys are configured in MEDIAMESH_API_KEYS")
    given = presented.strip().encode()
    # compare against every key so the time taken does not reveal which one was close
    matched = False
    for key in keys:
        matched |= hmac.compare_digest(given, key.encode())
    if not matched:
        raise Forbidden("the API key is not valid")


async def require_api_key(request: Request) -> None:
    """FastAPI dependency for write routes."""
    check_api_key(
        request.headers.get("authorization"), request.app.state.resources.settings.api_keys
    )
