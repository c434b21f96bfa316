"""A circuit breaker for one dependency tier.

    closed ──N consecutive failures──▶ open ──cool-down elapsed──▶ half-open
      ▲                                 ▲                              │ one probe call
      └──────── probe succeeded ────────┼──────── probe failed ────────┘

While open, `allow()` answers False at once, so callers skip the tier instead of waiting on
it (a hanging dependency costs its budget N times, then nothing). After the cool-down one
call is let through as a probe; its outcome closes the breaker or opens it for another
cool-down. Nothing else is needed for it to close again: the next request is the probe.

Single-threaded by design (one event loop); no locks.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from enum import StrEnum


class State(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class CircuitBreaker:
    def __init__(
        self,
        name: str,
        failure_threshold: int,
        reset_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if failure_threshold < 1 or reset_seconds <= 0:
            raise ValueError("failure_threshold must be >= 1 and reset_seconds > 0")
        self.name = name
        self.failure_threshold = failure_threshold
        self.reset_seconds = reset_seconds
        self._clock = clock
        self._failures = 0  # consecutive
        self._opened_at: float | None = None  # None: closed
        self._probe_since: float | None = None  # a half-open probe is under way
        self.opens = 0  # times it opened (a probe that fails counts again)
        self.short_circuits = 0  # calls refused while open

    @property
    def state(self) -> State:
        if self._opened_at is None:
            return State.CLOSED
        if self._clock() - self._opened_at >= self.reset_seconds:
            return State.HALF_OPEN
        return State.OPEN

    def allow(self) -> bool:
        """Whether a call may go to the dependency now. In half-open, True for one probe at a
        time; a probe that never reports back is given up after another cool-down."""
        state = self.state
        if state is State.CLOSED:
            return True
        now = self._clock()
        if state is State.HALF_OPEN and (
            self._probe_since is None or now - self._probe_since >= self.reset_seconds
        ):
            self._probe_since = now
            return True
        self.short_circuits += 1
        return False

    def succeeded(self) -> None:
        self._failures = 0
        self._opened_at = None
        self._probe_since = None

    def failed(self) -> None:
        self._failures += 1
        if self._probe_since is not None or self._failures >= self.failure_threshold:
            if self._opened_at is None or self._probe_since is not None:
                self.opens += 1
            self._opened_at = self._clock()
            self._probe_since = None

    def abandoned(self) -> None:
        """A call ended with no verdict (cancelled): free the probe slot, change nothing."""
        self._probe_since = None

    @asynccontextmanager
    async def recording(
        self, failures: tuple[type[BaseException], ...] = (Exception,)
    ) -> AsyncIterator[None]:
        """Record the outcome of the call made inside: `failures` count against the tier;
        any other exception means the tier answered (a caller's mistake is no outage)."""
        try:
            yield
        except failures:
            self.failed()
            raise
        except Exception:
            self.succeeded()
            raise
        except BaseException:
            self.abandoned()
            raise
        self.succeeded()

    def snapshot(self) -> dict[str, object]:
        return {
            "state": self.state.value,
            "consecutiveFailures": self._failures,
            "opens": self.opens,
            "shortCircuits": self.short_circuits,
        }
