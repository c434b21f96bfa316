"""Capped exponential backoff with jitter, shared by the outbox and BatchWriteItem retries."""

from __future__ import annotations

import random

_RANDOM = random.Random()


def delay(attempt: int, base: float, cap: float, rng: random.Random | None = None) -> float:
    """Seconds to wait before retry number `attempt` (1 = the first retry).

    "Equal jitter": half of min(cap, base * 2**(attempt-1)) is fixed, half is random, so
    retries of many writers spread out but never come back sooner than half the step.
    """
    step = min(cap, base * 2.0 ** min(max(attempt, 1) - 1, 32))
    jitter = (rng or _RANDOM).uniform(0, step / 2)
    return step / 2 + jitter
