"""What a cache tier is to the chain: a store that answers a key with a value or MISS.

MISS is distinct from every value (a cached empty list is a value, not a miss). A tier that
fails raises; the chain counts and skips it, so a tier never has to decide what "down" means.
"""

from __future__ import annotations

import enum
from typing import Final, Protocol, TypeVar


class Miss(enum.Enum):
    MISS = "MISS"


MISS: Final = Miss.MISS


class Expiring(Protocol):
    """A cached value knows when it stops being servable (epoch seconds)."""

    @property
    def expires_at(self) -> float: ...


K_contra = TypeVar("K_contra", contravariant=True)
V = TypeVar("V", bound=Expiring)


class Tier(Protocol[K_contra, V]):
    @property
    def name(self) -> str:
        """How metrics, logs and the `source` of a response call this tier."""
        ...

    async def get(self, key: K_contra, now: float) -> V | Miss:
        """The value for `key` if the tier holds one that is still valid at `now`, else MISS.
        Never returns an expired value, whatever the store still keeps."""
        ...

    async def put(self, key: K_contra, value: V) -> None:
        """Store `value`, replacing any previous one atomically, until `value.expires_at`."""
        ...

    async def delete(self, key: K_contra) -> None:
        """Make `key` a MISS (idempotent)."""
        ...
