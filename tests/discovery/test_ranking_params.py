"""RankingParams.version: a short, stable fingerprint of everything the formula uses (pure)."""

from __future__ import annotations

import dataclasses

import pytest

from mediamesh.discovery.ranking.compute import RankingParams
from mediamesh.settings import Settings

DEFAULTS = RankingParams.from_settings(Settings())


def test_the_version_of_the_defaults_is_stable_across_processes() -> None:
    # A literal: Python's salted hash() would differ per process and break shared caches.
    assert DEFAULTS.version == "20557a55301d"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("trending_window_hours", 24),
        ("trending_half_life_hours", 6.5),
        ("popular_window_days", 7),
        ("weight_view", 1.5),
        ("weight_like", 4.0),
        ("weight_complete", 3.0),
        ("max_episodes_per_program", 3),
    ],
)
def test_every_field_changes_the_version(field: str, value: object) -> None:
    changed = dataclasses.replace(DEFAULTS, **{field: value})
    assert changed.version != DEFAULTS.version
    assert len(changed.version) == 12


def test_equal_numbers_give_equal_versions() -> None:
    as_ints = dataclasses.replace(DEFAULTS, trending_half_life_hours=6, weight_view=1)  # type: ignore[arg-type]
    assert as_ints.version == DEFAULTS.version
