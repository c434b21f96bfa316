"""TTL jitter: lists computed at the same moment must not all expire at the same moment."""

from __future__ import annotations

import random


def jittered_ttl(ttl_seconds: float, fraction: float, rng: random.Random | None = None) -> float:
    """A TTL in [ttl·(1 - fraction), ttl]: jitter only ever shortens it, so the configured
    TTL stays the upper bound every tier honours."""
    if not 0 <= fraction < 1:
        raise ValueError("fraction must be in [0, 1)")
    draw = (rng or random).random()
    return ttl_seconds * (1 - fraction * draw)
