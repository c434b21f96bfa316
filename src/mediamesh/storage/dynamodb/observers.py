"""Operation observers: every DynamoDB call any of our clients makes, reported as it happens.

`open_client` attaches two botocore event hooks to each client it creates; they report to the
observers registered here (process-wide, so an observer sees every client):

- before the request is built: the operation, its tables and index (`answered=False`);
- once DynamoDB answered: the same, plus the ConsumedCapacity the response carries (present only
  when the request asked for it with ReturnConsumedCapacity) (`answered=True`).

Uses: the test session records every operation and checks it against the shipped IAM policies
(tests/security/test_iam_policies.py); a consumed-capacity metric per operation can observe
the answered calls. An observer must be quick and must not raise: one that raises is logged
and skipped, never allowed to fail the call it observes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TableTarget:
    table: str
    index: str | None = None  # set for a Query or Scan of a GSI


@dataclass(frozen=True)
class DynamoDBOperation:
    name: str  # the API operation, which is also the IAM action: "Query" → dynamodb:Query
    targets: tuple[TableTarget, ...]
    answered: bool = False
    consumed_capacity: tuple[Mapping[str, Any], ...] = ()


Observer = Callable[[DynamoDBOperation], None]

_observers: list[Observer] = []
_CONTEXT_KEY = "mediamesh_operation"


def add_observer(observer: Observer) -> None:
    _observers.append(observer)


def remove_observer(observer: Observer) -> None:
    """Remove `observer` if registered (a no-op otherwise)."""
    if observer in _observers:
        _observers.remove(observer)


@contextmanager
def observing(observer: Observer) -> Iterator[None]:
    """`observer` sees every operation made inside the block (by any client)."""
    add_observer(observer)
    try:
        yield
    finally:
        remove_observer(observer)


def attach(client: Any) -> None:
    """Register the hooks on an aiobotocore/botocore DynamoDB client."""
    events = client.meta.events
    events.register("before-parameter-build.dynamodb", _before_call)
    events.register("after-call.dynamodb", _after_call)


def targets_of(params: Mapping[str, Any]) -> tuple[TableTarget, ...]:
    """The tables (and index) a request addresses: TableName, RequestItems or TransactItems."""
    if isinstance(params.get("TableName"), str):
        return (TableTarget(params["TableName"], params.get("IndexName")),)
    if isinstance(params.get("RequestItems"), Mapping):
        return tuple(TableTarget(str(name)) for name in params["RequestItems"])
    found: list[TableTarget] = []
    for entry in params.get("TransactItems") or ():
        for action in entry.values() if isinstance(entry, Mapping) else ():
            if isinstance(action, Mapping) and isinstance(action.get("TableName"), str):
                found.append(TableTarget(action["TableName"]))
    return tuple(dict.fromkeys(found))


def _before_call(params: Mapping[str, Any], model: Any, context: Any, **_: Any) -> None:
    operation = DynamoDBOperation(model.name, targets_of(params))
    if isinstance(context, dict):
        context[_CONTEXT_KEY] = operation  # the same dict reaches after-call
    _notify(operation)


def _after_call(parsed: Any, model: Any, context: Any, **_: Any) -> None:
    asked = context.get(_CONTEXT_KEY) if isinstance(context, dict) else None
    operation = asked if isinstance(asked, DynamoDBOperation) else DynamoDBOperation(model.name, ())
    capacity = parsed.get("ConsumedCapacity") if isinstance(parsed, Mapping) else None
    if isinstance(capacity, Mapping):
        capacity = [capacity]  # single-table operations return one entry, batches a list
    _notify(
        DynamoDBOperation(
            operation.name,
            operation.targets,
            answered=True,
            consumed_capacity=tuple(c for c in capacity or () if isinstance(c, Mapping)),
        )
    )


def _notify(operation: DynamoDBOperation) -> None:
    for observer in tuple(_observers):
        try:
            observer(operation)
        except Exception:  # an observer's bug must never fail the DynamoDB call it watches
            log.exception("DynamoDB operation observer %r failed", observer)
