"""Takedowns known to this process, applied to every list before it is served. Pure.

Tiers are purged when an item is taken down, but a list computed just before the takedown
can still be written back by a process that had not heard of it yet. So every list served is
also checked against recent takedowns: an item taken down after (or around) the time the
list was computed is dropped. A takedown is remembered as long as such a list can live.
"""

from __future__ import annotations

from collections.abc import Iterable

from mediamesh.discovery.cached_list import CachedList
from mediamesh.settings import Settings

# Lists are stamped by the clock of the process that computed them: allow for clock skew.
CLOCK_SKEW_SECONDS = 5.0
WINDOW_MARGIN_SECONDS = 60


def takedown_window_seconds(settings: Settings) -> float:
    """How long a takedown must be remembered: as long as a copy computed before it can be
    served (a list's TTL, then its stale grace), plus a margin for clock skew."""
    longest_ttl = max(settings.trending_ttl_seconds, settings.popular_ttl_seconds)
    return longest_ttl + settings.stale_grace_seconds + WINDOW_MARGIN_SECONDS


class RecentTakedowns:
    def __init__(self, retention_seconds: float) -> None:
        self.retention_seconds = retention_seconds
        self._at: dict[str, float] = {}  # contentId → takedown time (epoch seconds)

    def __len__(self) -> int:
        return len(self._at)

    def add(self, content_ids: Iterable[str], at: float) -> None:
        for content_id in content_ids:
            self._at[content_id] = max(at, self._at.get(content_id, at))

    def prune(self, now: float) -> None:
        oldest = now - self.retention_seconds
        self._at = {cid: at for cid, at in self._at.items() if at >= oldest}

    def apply(self, value: CachedList) -> CachedList:
        """`value` without the items taken down since it may have been computed."""
        if not self._at:
            return value
        since = value.generated_at - CLOCK_SKEW_SECONDS
        gone = {i for i in value.ids if i in self._at and self._at[i] >= since}
        if not gone:
            return value
        return value.without(gone) or value
