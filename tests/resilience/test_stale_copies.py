"""The last good copies kept for the stale grace period (pure logic)."""

from __future__ import annotations

from dataclasses import dataclass

from mediamesh.cache.stale import StaleCopies


@dataclass(frozen=True)
class Value:
    name: str
    expires_at: float


def test_served_until_the_grace_period_after_expiry_ends() -> None:
    copies: StaleCopies[str, Value] = StaleCopies(grace_seconds=60, max_entries=10)
    copies.keep("k", Value("a", expires_at=1000))
    assert copies.get("k", now=1059.9) == Value("a", 1000)
    assert copies.get("k", now=1060) is None
    assert len(copies) == 0  # dropped once too old


def test_an_older_copy_never_replaces_a_newer_one() -> None:
    copies: StaleCopies[str, Value] = StaleCopies(grace_seconds=60, max_entries=10)
    copies.keep("k", Value("new", expires_at=2000))
    copies.keep("k", Value("old", expires_at=1000))
    assert copies.get("k", now=1500) == Value("new", 2000)


def test_bounded_least_recently_stored_first_out() -> None:
    copies: StaleCopies[str, Value] = StaleCopies(grace_seconds=60, max_entries=2)
    for name in ("a", "b", "c"):
        copies.keep(name, Value(name, expires_at=1000))
    assert [copies.get(n, now=0) for n in ("a", "b", "c")] == [
        None,
        Value("b", 1000),
        Value("c", 1000),
    ]


def test_zero_grace_keeps_nothing() -> None:
    copies: StaleCopies[str, Value] = StaleCopies(grace_seconds=0, max_entries=2)
    copies.keep("k", Value("a", expires_at=1000))
    assert (copies.enabled, len(copies), copies.get("k", now=0)) == (False, 0, None)


def test_rewrite_changes_only_what_the_fix_returns() -> None:
    copies: StaleCopies[str, Value] = StaleCopies(grace_seconds=60, max_entries=10)
    copies.keep("a", Value("keep", expires_at=1000))
    copies.keep("b", Value("taken down", expires_at=1000))
    copies.rewrite(lambda v: Value("fixed", v.expires_at) if v.name == "taken down" else None)
    assert [copies.get(k, now=0) for k in ("a", "b")] == [Value("keep", 1000), Value("fixed", 1000)]
