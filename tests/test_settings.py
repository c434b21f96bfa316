from __future__ import annotations

import pytest

from mediamesh.errors import ConfigError
from mediamesh.settings import load_settings


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
