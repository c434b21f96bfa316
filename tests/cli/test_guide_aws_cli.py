"""The integration guide's own AWS CLI commands ("Verify Tables", "Test Queries") run with the
real `aws` CLI against tables provisioned by `mediamesh tables create`."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import Stack

AWS = shutil.which("aws", path=str(Path(sys.executable).parent)) or shutil.which("aws")


def aws(stack: Stack, *args: str) -> dict[str, object]:
    assert AWS, "the aws CLI (PyPI awscli) is a dev dependency: run ./scripts/bootstrap.sh"
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_PAGER": "",
    }
    done = subprocess.run(
        [AWS, "dynamodb", *args, "--endpoint-url", stack.dynamodb.endpoint, "--output", "json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout) if done.stdout.strip() else {}


@pytest.fixture(scope="module")
def guide_tables(stack: Stack) -> Stack:
    """The guide's exact table names, provisioned through the `mediamesh` CLI."""
    env = {
        **os.environ,
        "DYNAMODB_ENDPOINT": stack.dynamodb.endpoint,
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
    }
    for name in (
        "DYNAMODB_TABLE_TRENDING",
        "DYNAMODB_TABLE_POPULAR",
        "DYNAMODB_TABLE_SEARCH_INDEX",
    ):
        env.pop(name, None)
    mediamesh = str(Path(sys.executable).parent / "mediamesh")
    done = subprocess.run(
        [mediamesh, "tables", "create"], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return stack


def test_verify_tables(guide_tables: Stack) -> None:
    names = aws(guide_tables, "list-tables")["TableNames"]
    assert {"mediamesh-trending", "mediamesh-popular", "mediamesh-search-index"} <= set(names)  # type: ignore[arg-type]

    table = aws(guide_tables, "describe-table", "--table-name", "mediamesh-trending")["Table"]
    assert table["KeySchema"] == [  # type: ignore[index]
        {"AttributeName": "contentType", "KeyType": "HASH"},
        {"AttributeName": "rank", "KeyType": "RANGE"},
    ]


def test_test_queries(guide_tables: Stack) -> None:
    item = {
        "contentType": {"S": "PROGRAM"},
        "rank": {"N": "1"},
        "programId": {"S": "p-1"},
        "title": {"S": "Program Title"},
        "ttl": {"N": "4102444800"},
    }
    aws(guide_tables, "put-item", "--table-name", "mediamesh-trending", "--item", json.dumps(item))
    aws(
        guide_tables,
        "put-item",
        "--table-name",
        "mediamesh-search-index",
        "--item",
        json.dumps(
            {"contentId": {"S": "uuid"}, "title": {"S": "Title"}, "contentType": {"S": "PROGRAM"}}
        ),
    )

    result = aws(
        guide_tables,
        "query",
        "--table-name",
        "mediamesh-trending",
        "--key-condition-expression",
        "contentType = :ct",
        "--expression-attribute-values",
        '{":ct":{"S":"PROGRAM"}}',
    )
    assert result["Count"] == 1
    assert result["Items"][0]["title"] == {"S": "Program Title"}  # type: ignore[index]

    got = aws(
        guide_tables,
        "get-item",
        "--table-name",
        "mediamesh-search-index",
        "--key",
        '{"contentId":{"S":"uuid"}}',
    )
    assert got["Item"]["title"] == {"S": "Title"}  # type: ignore[index]
