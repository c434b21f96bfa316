"""The session's record of DynamoDB operations, for the IAM proof (test_iam_policies.py).

tests/conftest.py registers one OperationLog as an observer of every DynamoDB client for the
whole test session (mediamesh.storage.dynamodb.observers); it keeps each distinct request
(operation, table, index) with how often it was made. Requests are recorded when they are
sent, whether DynamoDB then accepted them or not: IAM decides on what is attempted.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from mediamesh.storage.dynamodb.observers import DynamoDBOperation


@dataclass(frozen=True, order=True)
class Request:
    operation: str
    table: str | None
    index: str | None = None


class OperationLog:
    def __init__(self) -> None:
        self.requests: Counter[Request] = Counter()

    def __call__(self, operation: DynamoDBOperation) -> None:
        if operation.answered:
            return
        for target in operation.targets or (None,):
            if target is None:
                self.requests[Request(operation.name, None)] += 1
            else:
                self.requests[Request(operation.name, target.table, target.index)] += 1
