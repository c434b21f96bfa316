"""The last good copy of each value, kept past its expiry for a bounded grace period, to be
served only when the source of truth fails and no tier holds a fresh copy.

Per process and in memory: it needs no dependency to answer, which is the point when the
dependencies are what failed. Bounded in count (least recently stored goes first) and in
age (never served `grace_seconds` after the value's own expiry).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from mediamesh.cache.tier import Expiring

K = TypeVar("K", bound=Hashable)
V = TypeVar("V", bound=Expiring)


class StaleCopies(Generic[K, V]):
    def __init__(self, grace_seconds: float, max_entries: int) -> None:
        self.grace_seconds = grace_seconds
        self.max_entries = max_entries
        self._copies: OrderedDict[K, V] = OrderedDict()

    @property
    def enabled(self) -> bool:
        return self.grace_seconds > 0

    def __len__(self) -> int:
        return len(self._copies)

    def keep(self, key: K, value: V) -> None:
        """Remember `value` as the last good copy of `key` (a newer value replaces it)."""
        if not self.enabled:
            return
        current = self._copies.get(key)
        if current is not None and current.expires_at > value.expires_at:
            return  # an older copy arriving late (a slow tier) must not replace a newer one
        self._copies[key] = value
        self._copies.move_to_end(key)
        while len(self._copies) > self.max_entries:
            self._copies.popitem(last=False)

    def get(self, key: K, now: float) -> V | None:
        """The last good copy if it expired less than `grace_seconds` before `now` (epoch
        seconds); None otherwise (too old copies are dropped)."""
        value = self._copies.get(key)
        if value is None:
            return None
        if now >= value.expires_at + self.grace_seconds:
            del self._copies[key]
            return None
        return value

    def rewrite(self, fix: Callable[[V], V | None]) -> None:
        """Apply `fix` to every copy (None keeps a copy as it is): takedowns reach the stale
        copies too, however long ago they were computed."""
        for key, value in list(self._copies.items()):
            fixed = fix(value)
            if fixed is not None:
                self._copies[key] = fixed
