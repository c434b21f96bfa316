"""Which takedown log rows this process has applied. Pure.

A row's seq is drawn when it is inserted but the row is seen only once its transaction
commits, so a row can appear after one with a higher seq. Reading "everything after the
highest seq seen" would miss it; instead the cursor keeps a floor below which every seq has
been seen, remembers what it saw above it, and reads from the floor. A hole that stays
empty for `gap_grace_seconds` was a rolled-back insert and is given up on.
"""

from __future__ import annotations

from collections.abc import Iterable

from mediamesh.discovery.takedown_log import Takedown


class LogCursor:
    def __init__(self, gap_grace_seconds: float) -> None:
        self.floor = 0  # every seq at or below it has been applied (or given up on)
        self._grace = gap_grace_seconds
        self._seen: set[int] = set()
        self._holes: dict[int, float] = {}  # seq → when it was first missed

    def take(self, rows: Iterable[Takedown], now: float) -> list[Takedown]:
        """The rows not applied yet (the caller applies them); advances the floor."""
        new = [row for row in rows if row.seq > self.floor and row.seq not in self._seen]
        self._seen.update(row.seq for row in new)
        self._advance(now)
        return new

    def start_after(self, seq: int) -> None:
        """Skip everything up to `seq` (rows older than any copy that could still be served)."""
        self.floor = max(self.floor, seq)
        self._seen = {s for s in self._seen if s > self.floor}
        self._holes = {s: at for s, at in self._holes.items() if s > self.floor}

    def _advance(self, now: float) -> None:
        top = max(self._seen, default=self.floor)
        for seq in range(self.floor + 1, top):
            if seq not in self._seen:
                self._holes.setdefault(seq, now)
        while True:
            nxt = self.floor + 1
            if nxt in self._seen:
                self._seen.discard(nxt)
            elif nxt in self._holes and now - self._holes[nxt] >= self._grace:
                del self._holes[nxt]
            else:
                break
            self.floor = nxt
        self._holes = {seq: at for seq, at in self._holes.items() if seq > self.floor}
