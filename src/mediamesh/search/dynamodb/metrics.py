"""Counters of what the DynamoDB query path reads, one object per process (METRICS).

Each search records its ReadReport here; a /metrics endpoint can publish `snapshot()`.
Plain counters: the event loop is single-threaded, so no lock is needed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mediamesh.search.dynamodb.query_store import ReadReport


@dataclass
class DynamoDBSearchMetrics:
    queries: int = 0
    pages: int = 0
    items_evaluated: int = 0
    capacity_units: float = 0.0
    budget_exhausted: int = 0  # searches that stopped with items left unread
    by_operation: dict[str, int] = field(default_factory=dict)  # "Scan" / "Query <index>"
    last: ReadReport | None = None

    def record(self, report: ReadReport) -> None:
        self.queries += 1
        self.pages += report.pages
        self.items_evaluated += report.items_evaluated
        self.capacity_units += report.capacity_units
        self.budget_exhausted += int(report.budget_exhausted)
        self.by_operation[report.operation] = self.by_operation.get(report.operation, 0) + 1
        self.last = report

    def snapshot(self) -> dict[str, object]:
        last = self.last
        return {
            "queries": self.queries,
            "pages": self.pages,
            "itemsEvaluated": self.items_evaluated,
            "consumedCapacityUnits": round(self.capacity_units, 3),
            "budgetExhausted": self.budget_exhausted,
            "byOperation": dict(self.by_operation),
            "lastQueryCapacityUnits": last.capacity_units if last else None,
        }


METRICS = DynamoDBSearchMetrics()
