from __future__ import annotations

from mediamesh.settings import Settings
from tests.cli.run import mediamesh
from tests.conftest import Stack


def test_healthy_stack_passes(provisioned: Settings) -> None:
    result = mediamesh(provisioned, "doctor")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "problem" not in result.stdout
    assert f"ok      dynamodb: endpoint {provisioned.dynamodb_endpoint}: reachable" in result.stdout
    assert "schema up to date" in result.stdout


def test_each_problem_comes_with_its_fix(stack: Stack, unique: str) -> None:
    settings = stack.settings(table_prefix=f"doc{unique}-", mediamesh_api_keys="")
    result = mediamesh(settings, "doctor")
    assert result.returncode == 1
    assert f"doc{unique}-mediamesh-trending: table does not exist" in result.stdout
    assert "fix: mediamesh tables create" in result.stdout
    assert "MEDIAMESH_API_KEYS is empty" in result.stdout


def test_unreachable_stores_are_reported(stack: Stack) -> None:
    settings = stack.settings(
        dynamodb_endpoint="http://127.0.0.1:1",
        redis_url="redis://127.0.0.1:1/0",
        database_url="postgresql://postgres@127.0.0.1:1/x",
    )
    result = mediamesh(settings, "doctor")
    assert result.returncode == 1
    out = result.stdout
    assert "DynamoDB is not reachable at http://127.0.0.1:1" in out
    assert "fix: mediamesh stack dynamodb-local start" in out
    assert "PostgreSQL is not reachable" in out and "Redis is not reachable" in out


def _with_password(url: str, user: str, password: str) -> str:
    """`url` with `user:password@` as its user info (an existing user is kept)."""
    scheme, rest = url.split("://", 1)
    given, _, host = rest.rpartition("@")
    return f"{scheme}://{given or user}:{password}@{host}"


def test_urls_are_printed_without_their_passwords(stack: Stack) -> None:
    # PostgreSQL trusts local connections and Redis's default user has no password: both
    # accept any, so the passwords below reach working stores
    database_url = _with_password(stack.database_url, "postgres", "pg-s3cret")
    redis_url = _with_password(stack.redis_url, "default", "redis-s3cret")
    healthy = mediamesh(stack.settings(database_url=database_url, redis_url=redis_url), "doctor")
    unreachable = mediamesh(
        stack.settings(
            database_url="postgresql://postgres:pg-s3cret@127.0.0.1:1/x",
            redis_url="redis://default:redis-s3cret@127.0.0.1:1/0",
            dynamodb_endpoint="http://u:ddb-s3cret@127.0.0.1:1",
        ),
        "doctor",
    )
    assert f"ok      postgres: {database_url.replace('pg-s3cret', '***')}: reachable" in (
        healthy.stdout
    )
    assert f"ok      redis: {redis_url.replace('redis-s3cret', '***')}: reachable" in healthy.stdout
    assert "postgresql://postgres:***@127.0.0.1:1/x" in unreachable.stdout
    assert "redis://default:***@127.0.0.1:1/0" in unreachable.stdout
    assert "http://u:***@127.0.0.1:1" in unreachable.stdout
    for result in (healthy, unreachable):
        printed = result.stdout + result.stderr
        assert [s for s in ("pg-s3cret", "redis-s3cret", "ddb-s3cret") if s in printed] == []
