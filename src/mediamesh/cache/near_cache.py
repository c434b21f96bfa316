"""A small in-process cache in front of the chain, for the hottest responses.

Bounded (least recently used goes first) and short-lived: it spares the network round trip
for a list asked for many times a second, and is cleared on every takedown.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class NearCache(Generic[K, V]):
    def __init__(self, max_entries: int, ttl_seconds: float) -> None:
        self.max_entries = max_entries
        self.ttl_seconds = ttl_seconds
        self._entries: OrderedDict[K, tuple[float, V]] = OrderedDict()

    @property
    def enabled(self) -> bool:
        return self.ttl_seconds > 0

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: K, now: float) -> V | None:
        """The value if present and not expired at `now` (monotonic seconds)."""
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry[0] <= now:
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return entry[1]

    def put(self, key: K, value: V, now: float, not_after: float | None = None) -> None:
        """Keep `value` for ttl_seconds, or less when `not_after` (monotonic) comes first."""
        if not self.enabled:
            return
        expires = now + self.ttl_seconds
        if not_after is not None:
            expires = min(expires, not_after)
        if expires <= now:
            return
        self._entries[key] = (expires, value)
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    def clear(self) -> None:
        self._entries.clear()
