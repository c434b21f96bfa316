"""A small in-process cache in front of the chain, for the hottest responses.

Bounded (least recently used goes first) and short-lived: it spares the network round trip
for a list asked for many times a second, and is cleared on every takedown.

Stale while revalidate: past its TTL an entry is still served for up to `stale_seconds`
(never past its `not_after`, the list's own expiry), and `lookup` tells the first caller to
find it so — only that one — to refresh it. Without this, every request of the instant an
entry expires would read the next tier at once, which is where the p99 spikes came from.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class _Entry(Generic[V]):
    __slots__ = ("fresh_until", "refreshing", "serve_until", "value")

    def __init__(self, value: V, fresh_until: float, serve_until: float) -> None:
        self.value = value
        self.fresh_until = fresh_until
        self.serve_until = serve_until
        self.refreshing = False


class NearCache(Generic[K, V]):
    def __init__(
        self, max_entries: int, ttl_seconds: float, stale_seconds: float | None = None
    ) -> None:
        """`stale_seconds`: how long past its TTL an entry may be served while it is
        refreshed; by default as long as the TTL again."""
        self.max_entries = max_entries
        self.ttl_seconds = ttl_seconds
        self.stale_seconds = ttl_seconds if stale_seconds is None else stale_seconds
        self._entries: OrderedDict[K, _Entry[V]] = OrderedDict()

    @property
    def enabled(self) -> bool:
        return self.ttl_seconds > 0

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: K, now: float) -> V | None:
        """The value if present and fresh at `now` (monotonic seconds)."""
        entry = self._servable(key, now)
        return None if entry is None or entry.fresh_until <= now else entry.value

    def lookup(self, key: K, now: float) -> tuple[V, bool] | None:
        """The value if it may be served at `now` (monotonic seconds), and whether the
        caller must refresh it: true for the first caller after its TTL ran out, false for
        every other caller (until `put` replaces it; a failed refresh is not retried: the
        entry is served until its stale window ends, then the next caller reads the chain)."""
        entry = self._servable(key, now)
        if entry is None:
            return None
        if now < entry.fresh_until or entry.refreshing:
            return entry.value, False
        entry.refreshing = True
        return entry.value, True

    def put(self, key: K, value: V, now: float, not_after: float | None = None) -> None:
        """Keep `value` for ttl_seconds, or less when `not_after` (monotonic) comes first;
        it is served stale for stale_seconds more, but never after `not_after`."""
        if not self.enabled:
            return
        fresh_until = now + self.ttl_seconds
        serve_until = fresh_until + self.stale_seconds
        if not_after is not None:
            fresh_until = min(fresh_until, not_after)
            serve_until = min(serve_until, not_after)
        if fresh_until <= now:
            return
        self._entries[key] = _Entry(value, fresh_until, serve_until)
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    def clear(self) -> None:
        self._entries.clear()

    def _servable(self, key: K, now: float) -> _Entry[V] | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry.serve_until <= now:
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return entry
