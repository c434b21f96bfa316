"""The response body of a list request, assembled from the items' stored JSON bytes. Pure."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

import orjson

from mediamesh.discovery.cached_list import CachedList
from mediamesh.discovery.models import ListContentType


@dataclass(frozen=True)
class RenderedList:
    body: bytes
    etag: str
    expires_at: float  # epoch seconds: Cache-Control's max-age counts down to it
    source: str
    stale: bool = False  # the last good copy, past its expiry (PostgreSQL failed)


def render(
    content_type: ListContentType, value: CachedList, limit: int, source: str
) -> RenderedList:
    """The 200 body: `{"contentType", "items", "source", "generatedAt", "expiresAt"}`.

    The ETag is weak (the body also names its source) and depends on the items shown only,
    so a client revalidating against another tier or process still gets its 304."""
    items = b",".join(entry.data for entry in value.entries[:limit])
    head = b'{"contentType":' + orjson.dumps(content_type.value) + b',"items":['
    body = head + items + _tail(value, source)
    return RenderedList(body, etag(head, items), value.expires_at, source)


def with_source(rendered: RenderedList, value: CachedList, source: str) -> RenderedList:
    """The same response as served from another source (the near cache keeps "memory")."""
    cut = rendered.body.rindex(b'],"source":')  # ours: inside items a quote is escaped
    body = rendered.body[:cut] + _tail(value, source)
    return RenderedList(body, rendered.etag, rendered.expires_at, source)


def etag(head: bytes, items: bytes) -> str:
    digest = hashlib.blake2b(head + items, digest_size=12).hexdigest()
    return f'W/"{digest}"'


def iso(epoch_seconds: float) -> str:
    moment = datetime.fromtimestamp(epoch_seconds, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _tail(value: CachedList, source: str) -> bytes:
    return (
        b'],"source":'
        + orjson.dumps(source)
        + b',"generatedAt":"'
        + iso(value.generated_at).encode()
        + b'","expiresAt":"'
        + iso(value.expires_at).encode()
        + b'"}'
    )
