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
