"""GET / (the explorer page) and GET /static/... (its assets), for every service kind.

Caching: the page is revalidated on every load (`no-cache` + ETag, so a reload costs a 304);
a versioned asset (`/static/<current version>/<name>`) is immutable for a year; an asset
asked for without the current version (an old page, a hand-typed URL) gets today's bytes
with `no-cache`, so it can never be stuck on an old copy.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from mediamesh.errors import NotFound
from mediamesh.web.assets import Asset, bundle

router = APIRouter(include_in_schema=False)

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
# The page only talks to its own origin and never runs inline code: API strings are put into
# the DOM as text, so this policy is a second line of defence, not the first.
PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
        "form-action 'self'"
    ),
    "Referrer-Policy": "no-referrer",
}


@router.api_route("/", methods=["GET", "HEAD"])
async def page(request: Request) -> Response:
    """The explorer: trending and popular rails, search, and where each answer came from."""
    return _send(bundle().page, request, REVALIDATE, PAGE_HEADERS)


@router.api_route("/static/{path:path}", methods=["GET", "HEAD"])
async def asset(path: str, request: Request) -> Response:
    """One asset by name, optionally under a version folder (`<version>/<name>`)."""
    current = bundle()
    version, _, name = path.rpartition("/")
    found = current.assets.get(name)
    if found is None or "/" in version:
        raise NotFound(f"no static asset {path!r}")
    policy = IMMUTABLE if version == current.version else REVALIDATE
    return _send(found, request, policy)


def _send(
    asset: Asset, request: Request, cache_control: str, extra: dict[str, str] | None = None
) -> Response:
    headers = {
        "Cache-Control": cache_control,
        "ETag": asset.etag,
        "X-Content-Type-Options": "nosniff",
        **(extra or {}),
    }
    if asset.etag in _etags(request.headers.get("if-none-match", "")):
        return Response(status_code=304, headers=headers)
    return Response(asset.body, media_type=asset.media_type, headers=headers)


def _etags(header: str) -> set[str]:
    # `If-None-Match: "a", W/"b"`: weak comparison, as RFC 9110 asks for GET
    return {tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()}
