"""One write-back per key and generation in a process.

Concurrent hits from a back tier each find the same value; without this each would write it
to the tiers in front again. A claim is held while the write-back runs and kept once it
succeeded (the front tiers have that generation: writing it again changes nothing), and is
given back when it failed, so the next hit tries again. Claims are bounded: the oldest are
forgotten first, which costs at most one repeated write-back, never a wrong value.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)


class WriteBackClaims(Generic[K]):
    def __init__(self, max_keys: int) -> None:
        if max_keys < 1:
            raise ValueError("max_keys must be at least 1")
        self._max = max_keys
        self._claimed: dict[K, Hashable] = {}  # insertion order: the oldest claim first

    def __len__(self) -> int:
        return len(self._claimed)

    def claim(self, key: K, generation: Hashable) -> bool:
        """True for the first caller of (key, generation): it writes back; False for every
        other caller while the claim stands (running or done)."""
        if self._claimed.get(key) == generation:
            return False
        self._claimed.pop(key, None)  # a newer generation replaces the key's claim
        self._claimed[key] = generation
        while len(self._claimed) > self._max:
            del self._claimed[next(iter(self._claimed))]
        return True

    def release(self, key: K, generation: Hashable) -> None:
        """The write-back of (key, generation) failed: the next hit may try again."""
        if self._claimed.get(key) == generation:
            del self._claimed[key]

    def forget(self, key: K) -> None:
        """The key's copies changed (a takedown): any generation may be written back again."""
        self._claimed.pop(key, None)
