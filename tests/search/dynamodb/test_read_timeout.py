"""The DynamoDB search read's time limit: its own setting while PostgreSQL answers, and the
time PostgreSQL would have had as well while PostgreSQL's breaker is not closed (the read
is then the only answer there is). Pure: the stores are a stand-in holding what it reads."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from mediamesh.resilience.breakers import Breakers
from mediamesh.search.dynamodb.search import read_timeout
from mediamesh.settings import Settings


def _stores(breakers: Breakers) -> Any:
    settings = Settings(search_dynamodb_timeout_seconds=0.5, search_postgres_timeout_seconds=2.0)
    return SimpleNamespace(settings=settings, breakers=breakers)


def test_dynamodb_gets_its_own_time_while_postgresql_answers() -> None:
    stores = _stores(Breakers.create(failure_threshold=2, reset_seconds=60))
    assert read_timeout(stores) == 0.5
    stores.breakers.postgres_reads.failed()  # one failure: still closed
    assert read_timeout(stores) == 0.5


def test_dynamodb_also_gets_postgresqls_time_while_postgresql_is_failing() -> None:
    stores = _stores(Breakers.create(failure_threshold=2, reset_seconds=60))
    for _ in range(2):
        stores.breakers.postgres_reads.failed()  # open
    assert read_timeout(stores) == 2.5
    stores.breakers.postgres_reads.succeeded()  # closed again
    assert read_timeout(stores) == 0.5
