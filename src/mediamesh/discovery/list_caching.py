"""What browsers and shared caches (a CDN) may do with a list answer. Pure.

Our own tiers drop a taken-down item within a second; a CDN is out of our reach, so it may keep
a list only `LIST_HTTP_MAX_AGE_SECONDS` (W, the CDN's takedown window), split in two:

- `max-age` = W - W // 2, never past the list's own expiry: fresh, served without asking us;
- `stale-while-revalidate` = W // 2: after that a cache may still answer with its copy while it
  revalidates in the background (`If-None-Match`, a cheap 304 from the near cache), so the
  clients of a hot list never wait for the origin.

The two add up to W: a cache that honours the headers stops serving a taken-down item at most W
seconds after it left our answers. `stale-if-error` is left out on purpose: it would let a
cache keep a taken-down item for as long as the origin fails.

`Surrogate-Key` (Fastly) and `Cache-Tag` (Cloudflare) name the list's kind, not its items: a
purge of `mediamesh-lists` empties every stored list at once. Per-item keys are left out: a
list holds up to 100 ids of up to 128 characters, with spaces and commas allowed, which the
key syntaxes (space- or comma-separated tokens) cannot carry without an encoding every purger
would have to reproduce; W already bounds how long an item outlives its takedown.
"""

from __future__ import annotations

import math

from mediamesh.discovery.models import ListKind
from mediamesh.discovery.rendering import RenderedList

ALL_LISTS_KEY = "mediamesh-lists"


def max_age(rendered: RenderedList, window: int, now: float) -> int:
    """Seconds a cache may serve the list as fresh: the fresh part of the window, and never
    past the list's expiry (0 once it has passed). `now`: epoch seconds."""
    left = max(0, math.floor(rendered.expires_at - now))
    return min(window - window // 2, left)


def list_headers(rendered: RenderedList, kind: ListKind, fresh: int, window: int) -> dict[str, str]:
    """The headers of a list answer, 200 or 304 (the route and discovery/fast_lists.py send
    the same). `fresh` is `max_age(rendered, window)`, computed by the caller."""
    keys = (ALL_LISTS_KEY, f"{ALL_LISTS_KEY}-{kind.value}")
    purge = {"Surrogate-Key": " ".join(keys), "Cache-Tag": ",".join(keys)}
    if rendered.stale:  # PostgreSQL failed: the last good copy (docs/OPERATIONS.md)
        return {
            "Cache-Control": "max-age=0, must-revalidate",
            "ETag": rendered.etag,
            "X-Cache-Source": rendered.source,
            "X-Cache-Stale": "true",
            "Warning": '110 - "Response is Stale"',
            **purge,
        }
    return {
        "Cache-Control": f"public, max-age={fresh}, stale-while-revalidate={window // 2}",
        "ETag": rendered.etag,
        "X-Cache-Source": rendered.source,
        **purge,
    }


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """Weak comparison (RFC 9110 13.1.2): `W/"x"` and `"x"` match; `*` matches anything."""
    if not if_none_match:
        return False
    wanted = etag.removeprefix("W/")
    candidates = (c.strip() for c in if_none_match.split(","))
    return any(c == "*" or c.removeprefix("W/") == wanted for c in candidates)
