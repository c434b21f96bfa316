"""A dependency that is down fails every request: say so once per interval, not every time."""

from __future__ import annotations

import logging
import time


class RateLimitedLog:
    def __init__(self, logger: logging.Logger, interval_seconds: float = 10.0) -> None:
        self._log = logger
        self._interval = interval_seconds
        self._last: dict[str, float] = {}

    def warn(self, topic: str, message: str, *args: object) -> None:
        now = time.monotonic()
        if now - self._last.get(topic, -self._interval) >= self._interval:
            self._last[topic] = now
            self._log.warning(message, *args)
