"""DynamoDB capacity this process consumed, per table and operation: what on-demand bills.

Every client of `open_client` asks every operation that can report it for its
ConsumedCapacity (`ask_for_capacity`: ReturnConsumedCapacity=TOTAL, which costs nothing),
and the process's meter adds up the answers (an operation observer, storage/dynamodb/
observers.py). /metrics shows it as `mediamesh_dynamodb_capacity_units_total`; the bench's
cost model reads it (docs/PERFORMANCE.md, "Cost")."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Any, Literal

from mediamesh.storage.dynamodb import observers
from mediamesh.storage.dynamodb.observers import DynamoDBOperation

Kind = Literal["read", "write"]
_READS = frozenset({"GetItem", "BatchGetItem", "Query", "Scan", "TransactGetItems"})


def kind_of(operation: str) -> Kind:
    """Whether an operation consumes read or write request units."""
    return "read" if operation in _READS else "write"


def ask_for_capacity(params: dict[str, Any], model: Any, **_: Any) -> None:
    """A botocore `before-parameter-build` hook: ReturnConsumedCapacity=TOTAL on every
    operation whose input takes it, unless the caller chose a mode."""
    shape = getattr(model, "input_shape", None)
    if shape is not None and "ReturnConsumedCapacity" in shape.members:
        params.setdefault("ReturnConsumedCapacity", "TOTAL")


class CapacityMeter:
    """Capacity units consumed, by (table, operation), since the meter started."""

    def __init__(self) -> None:
        self.units: dict[tuple[str, str], float] = defaultdict(float)

    def observe(self, operation: DynamoDBOperation) -> None:
        if not operation.answered:
            return
        for consumed in operation.consumed_capacity:
            table, units = consumed.get("TableName"), consumed.get("CapacityUnits")
            if isinstance(table, str) and isinstance(units, int | float):
                self.units[(table, operation.name)] += float(units)

    def snapshot(self) -> Mapping[tuple[str, str], float]:
        return dict(self.units)


_meter: CapacityMeter | None = None


def meter() -> CapacityMeter:
    """This process's meter, observing every client from the first call on."""
    global _meter
    if _meter is None:
        _meter = CapacityMeter()
        observers.add_observer(_meter.observe)
    return _meter
