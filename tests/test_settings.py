from __future__ import annotations

import pytest

from mediamesh.errors import ConfigError
from mediamesh.settings import load_settings, masked_url


def test_defaults_are_the_guides() -> None:
    s = load_settings({})
    assert s.dynamodb_enabled is True
    assert s.dynamodb_endpoint is None and s.uses_aws
    assert s.aws_region == "us-east-1"
    assert s.dynamodb_table_trending == "mediamesh-trending"
    assert s.dynamodb_table_popular == "mediamesh-popular"
    assert s.dynamodb_table_search_index == "mediamesh-search-index"
    assert s.dynamodb_ttl_attribute == "ttl"
    assert s.dynamodb_ttl_seconds == 2_592_000
    assert (s.trending_ttl_seconds, s.popular_ttl_seconds) == (600, 300)
    assert s.api_keys == ()


def test_reads_the_guides_variable_names() -> None:
    s = load_settings(
        {
            "DYNAMODB_ENABLED": "false",
            "DYNAMODB_ENDPOINT": "http://dynamodb-local:8000",
            "AWS_REGION": "eu-west-1",
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "DYNAMODB_TABLE_TRENDING": "t1",
            "DYNAMODB_TABLE_POPULAR": "t2",
            "DYNAMODB_TABLE_SEARCH_INDEX": "t3",
            "DYNAMODB_TTL_ATTRIBUTE": "expiresAt",
            "DYNAMODB_TTL_SECONDS": "60",
            "TRENDING_TTL_SECONDS": "30",
            "POPULAR_TTL_SECONDS": "20",
            "MEDIAMESH_API_KEYS": " a , b,,c ",
        }
    )
    assert s.dynamodb_enabled is False
    assert s.dynamodb_endpoint == "http://dynamodb-local:8000" and not s.uses_aws
    assert (s.dynamodb_table_trending, s.dynamodb_table_popular) == ("t1", "t2")
    assert s.dynamodb_table_search_index == "t3"
    assert s.dynamodb_ttl_attribute == "expiresAt"
    assert (s.dynamodb_ttl_seconds, s.trending_ttl_seconds, s.popular_ttl_seconds) == (60, 30, 20)
    assert s.api_keys == ("a", "b", "c")


def test_blank_endpoint_means_aws() -> None:
    assert load_settings({"DYNAMODB_ENDPOINT": "  "}).uses_aws


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DYNAMODB_ENABLED", "maybe"),
        ("DYNAMODB_ENDPOINT", "localhost:8000"),
        ("DYNAMODB_TTL_SECONDS", "-5"),
        ("DYNAMODB_TTL_SECONDS", "soon"),
        ("TRENDING_TTL_SECONDS", "0"),
        ("DYNAMODB_TTL_ATTRIBUTE", "bad attr"),
        ("DATABASE_URL", "mysql://x"),
        ("REDIS_URL", "http://x"),
    ],
)
def test_invalid_value_names_the_variable(variable: str, value: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings({variable: value})
    assert variable in caught.value.message


def test_secrets_are_not_shown() -> None:
    s = load_settings({"AWS_SECRET_ACCESS_KEY": "s3cr3t", "MEDIAMESH_API_KEYS": "k3y"})
    assert "s3cr3t" not in repr(s) and "k3y" not in repr(s)


@pytest.mark.parametrize(
    ("url", "printed"),
    [
        ("postgresql://app:pw@db:5432/mm", "postgresql://app:***@db:5432/mm"),
        ("redis://:pw@cache:6379/0", "redis://:***@cache:6379/0"),
        ("rediss://default:p@ss:w@cache/0", "rediss://default:***@cache/0"),
        ("unix://:pw@/run/redis.sock?db=0", "unix://:***@/run/redis.sock?db=0"),
        ("postgresql://app:pw@[::1]:5432,h2:5433/mm", "postgresql://app:***@[::1]:5432,h2:5433/mm"),
        (
            "postgresql://db/mm?user=app&password=pw&ssl=1",
            "postgresql://db/mm?user=app&password=***&ssl=1",
        ),
        ("redis://cache/0?Password=pw", "redis://cache/0?Password=***"),
        ("postgresql://app@db:5432/mm", "postgresql://app@db:5432/mm"),
        ("http://localhost:8000", "http://localhost:8000"),
        ("postgresql://db:5432/mm@x", "postgresql://db:5432/mm@x"),
    ],
)
def test_masked_url_hides_passwords_only(url: str, printed: str) -> None:
    assert masked_url(url) == printed


def test_raw_events_outlive_the_longest_list_window() -> None:
    """Ingestion writes events as old as the longest window: their partitions must stay."""
    with pytest.raises(ConfigError) as caught:
        load_settings({"EVENT_RETENTION_DAYS": "20", "TRENDING_WINDOW_HOURS": "500"})
    assert caught.value.message == (
        "invalid configuration: EVENT_RETENTION_DAYS (20) must be at least the longest list "
        "window (30 days: TRENDING_WINDOW_HOURS, POPULAR_WINDOW_DAYS)"
    )
    assert load_settings({"EVENT_RETENTION_DAYS": "30"}).event_retention_days == 30
