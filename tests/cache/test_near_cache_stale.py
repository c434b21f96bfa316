"""The near cache's stale-while-revalidate: pure logic (the service's use of it is proven in
tests/discovery/test_lists_near_refresh.py)."""

from __future__ import annotations

from mediamesh.cache.near_cache import NearCache


def test_past_its_ttl_an_entry_is_served_and_one_caller_refreshes_it() -> None:
    cache: NearCache[str, str] = NearCache(max_entries=4, ttl_seconds=2.0, stale_seconds=1.0)
    cache.put("a", "A", now=0.0)
    assert cache.lookup("a", now=1.9) == ("A", False)
    assert cache.lookup("a", now=2.0) == ("A", True)  # the first to find it stale refreshes
    assert [cache.lookup("a", now=2.5) for _ in range(3)] == [("A", False)] * 3
    assert cache.get("a", now=2.5) is None  # `get` is fresh values only
    cache.put("a", "A2", now=2.6)  # the refresh landed
    assert cache.lookup("a", now=4.5) == ("A2", False)
    assert cache.lookup("a", now=4.6) == ("A2", True)


def test_a_stale_entry_goes_when_its_window_ends_even_if_nobody_refreshed_it() -> None:
    cache: NearCache[str, str] = NearCache(max_entries=4, ttl_seconds=2.0, stale_seconds=1.0)
    cache.put("a", "A", now=0.0)
    assert cache.lookup("a", now=2.1) == ("A", True)
    assert cache.lookup("a", now=3.0) is None and len(cache) == 0


def test_never_served_past_the_lists_own_expiry() -> None:
    cache: NearCache[str, str] = NearCache(max_entries=4, ttl_seconds=2.0, stale_seconds=5.0)
    cache.put("a", "A", now=0.0, not_after=3.0)
    assert cache.lookup("a", now=2.5) == ("A", True)
    assert cache.lookup("a", now=3.0) is None
    cache.put("b", "B", now=0.0, not_after=1.0)  # expires before the near-cache TTL
    assert cache.lookup("b", now=0.9) == ("B", False)
    assert cache.lookup("b", now=1.0) is None


def test_clear_drops_stale_entries_too() -> None:
    cache: NearCache[str, str] = NearCache(max_entries=4, ttl_seconds=2.0)
    assert cache.stale_seconds == 2.0  # by default as long as the TTL
    cache.put("a", "A", now=0.0)
    assert cache.lookup("a", now=3.0) == ("A", True)
    cache.clear()
    assert cache.lookup("a", now=3.0) is None
