"""Fault injection: a real server under a steady load from a second process, one dependency
cut off at a time (FaultProxy refuse / hang, a real SIGSTOP of DynamoDB Local), and what the
clients saw before, during and after. Figures: tests/resilience/report.py (printed at the
end of the session, and in test-artifacts/resilience.json).

The figures (p99 latencies, stale answers, 503s, how long the breakers took to close) are
measured and reported, never asserted: they depend on how busy the machine is. Asserted is
only what must always hold: no read failed (a hanging dependency never hangs a request past
the load generator's timeout), no acknowledged write was lost, refused writes are clean 503s,
and the breakers close again by themselves once the dependency is back (a condition waited
for, within a generous deadline).
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from mediamesh.storage import postgres
from tests.resilience import report
from tests.resilience.live_server import QUERY, WAIT_SECONDS, Live, delivered
from tests.support import WRITE_HEADERS

LOADGEN = Path(__file__).with_name("loadgen.py")
RATE = 25.0  # requests per second, one in five a write
BEFORE, DURING, AFTER = 4.0, 6.0, 6.0  # seconds of each phase


@dataclass(frozen=True)
class Case:
    name: str
    store: str  # postgres | redis | dynamodb
    fault: str  # refuse | hang | sigstop

    def apply(self, live: Live) -> None:
        if self.fault == "sigstop":
            live.dynamodb.pause()
        else:
            live.proxies.by_name(self.store).set_mode(
                "refuse" if self.fault == "refuse" else "hang"
            )

    def lift(self, live: Live) -> None:
        if self.fault == "sigstop":
            live.dynamodb.resume()
        else:
            live.proxies.by_name(self.store).set_mode("pass")


CASES = [
    Case("dynamodb refused", "dynamodb", "refuse"),
    Case("dynamodb hangs", "dynamodb", "hang"),
    Case("dynamodb SIGSTOP", "dynamodb", "sigstop"),
    Case("redis refused", "redis", "refuse"),
    Case("redis hangs", "redis", "hang"),
    Case("postgres refused", "postgres", "refuse"),
    Case("postgres hangs", "postgres", "hang"),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name.replace(" ", "-") for c in CASES])
async def test_one_dependency_cut_off_under_load(live: Live, case: Case, tmp_path: Path) -> None:
    assert await live.until_healthy(time.time() + WAIT_SECONDS, poke=True), await live.ready()
    prefix = f"{case.name.replace(' ', '-')}-{live.unique}"
    run = await run_load(live, case, prefix, tmp_path)
    records, fault_start, fault_end = run.records, run.fault_start, run.fault_end
    by_phase = report.phases(records, fault_start, fault_end)
    writes = [r for r in records if r["id"] is not None]
    acknowledged = {r["id"] for r in writes if r["status"] == 200}
    refused = [r for r in writes if r["status"] == 503]
    found = await stored(live, {r["id"] for r in writes})
    figures = report.CaseFigures(
        case=case.name,
        sent=len(records),
        failed_reads=len(report.failed_reads(records)),
        writes_sent=len(writes),
        writes_acknowledged=len(acknowledged),
        writes_refused_503=len(refused),
        writes_found_after=len(acknowledged & found["search"]),
        p99_ms={phase: report.p99_ms(rs) for phase, rs in by_phase.items()},
        stale_answers=sum(1 for r in records if r.get("stale")),
        sources_during=report.sources(by_phase["during"]),
        breakers_closed_after_s=(
            None if run.recovered_at is None else round(run.recovered_at - fault_end, 1)
        ),
    )
    report.RESULTS.append(figures)

    # reads: none failed (nor hung past the load generator's timeout), in any phase
    failed = report.failed_reads(records)
    assert failed == [], f"fault {fault_start:.1f}-{fault_end:.1f}: {json.dumps(failed)}"
    # the breakers closed by themselves once the dependency was back
    assert run.recovered_at is not None, await live.ready()
    # writes: every acknowledged one is in PostgreSQL; no catalog write half-written
    assert acknowledged <= found["search"]
    assert (
        found["catalog"]
        == {r["id"] for r in writes if r["endpoint"] == "catalog_write"} & (found["search"])
    )
    assert_writes_refused_cleanly(writes, run, case.store)
    if case.store == "dynamodb":  # indexing acknowledged meanwhile reaches DynamoDB
        figures.converged_after_s = round(await delivered(live.direct, acknowledged), 1)


@dataclass(frozen=True)
class Run:
    records: list[dict[str, Any]]
    fault_start: float  # epoch: just before the fault was applied
    applied_at: float  # epoch: the fault is in place from here
    fault_end: float  # epoch: just before it was lifted (in place until here)
    recovered_at: float | None  # epoch: every store up and every breaker closed, seen then


async def run_load(live: Live, case: Case, prefix: str, tmp_path: Path) -> Run:
    """Run the load generator through the three phases; apply the fault in the middle one.
    Then wait (a condition, within WAIT_SECONDS after the load) until the service reports every
    store up and every breaker closed: while the load runs its requests probe the tiers, after
    it the wait pokes them itself."""
    out = tmp_path / "load.json"
    command = [
        sys.executable,
        str(LOADGEN),
        f"--base={live.base}",
        f"--rate={RATE}",
        f"--duration={BEFORE + DURING + AFTER}",
        f"--category={live.category}",
        f"--query={QUERY}",
        f"--write-prefix={prefix}",
        f"--write-category=w{live.unique}",
        f"--key={WRITE_HEADERS['Authorization'].removeprefix('Bearer ')}",
        f"--out={out}",
    ]
    process = await asyncio.create_subprocess_exec(*command)
    try:
        await asyncio.sleep(BEFORE)
        fault_start = time.time()
        case.apply(live)
        applied_at = time.time()
        await asyncio.sleep(DURING)
        fault_end = time.time()
        case.lift(live)
        recovered = await live.until_healthy(fault_end + AFTER - 0.5)
        recovered_at = time.time() if recovered else None
        # a does-not-hang bound: the load's schedule ends with the phase, each request within
        # the load generator's own timeout
        assert await asyncio.wait_for(process.wait(), AFTER + WAIT_SECONDS) == 0
    finally:
        case.lift(live)
        if process.returncode is None:
            process.kill()
            await process.wait()
    # not seen while the load ran (a busy machine): keep waiting for it
    if recovered_at is None and await live.until_healthy(time.time() + WAIT_SECONDS, poke=True):
        recovered_at = time.time()
    records = json.loads(out.read_text())["requests"]
    return Run(records, fault_start, applied_at, fault_end, recovered_at)


def assert_writes_refused_cleanly(writes: list[dict[str, Any]], run: Run, store: str) -> None:
    """Which writes are refused is up to timing: those in flight when PostgreSQL went away or
    sent while a breaker still cooled down, and, on a busy machine, any write that outlasted
    its budget (POSTGRES_WRITE_TIMEOUT_SECONDS) whatever the case. So the 503s are counted in
    the figures, and what is asserted is what must hold whatever the timing:
    - every write not acknowledged got a clean 503: Retry-After and the PostgreSQL code (a
      write needs PostgreSQL alone: never refused because of DynamoDB or Redis, never a 500,
      a dropped connection or a hang past the load generator's timeout);
    - with PostgreSQL cut off, a write that began and ended within the outage was refused
      (it cannot have been stored).
    That writes are acknowledged again afterwards is in `recovered_at`: the writes breaker
    opened during the outage, and closes only when a write gets through."""
    refused = [r for r in writes if r["status"] != 200]
    assert {(r["status"], r.get("retryAfter"), r.get("errorCode")) for r in refused} <= {
        (503, "5", "postgres_unavailable")
    }, refused
    if store == "postgres":
        within = [
            r for r in writes if run.applied_at <= r["t"] and r["t"] + r["latency"] <= run.fault_end
        ]
        assert [r for r in within if r["status"] != 503] == []


async def stored(live: Live, ids: set[str]) -> dict[str, set[str]]:
    """Which of `ids` PostgreSQL holds, as catalog items and as search documents."""
    async with postgres.connect(live.direct.database_url) as conn:
        catalog = await conn.fetch(
            "SELECT content_id FROM catalog_items WHERE content_id = ANY($1)", list(ids)
        )
        search = await conn.fetch(
            "SELECT content_id FROM search_documents WHERE content_id = ANY($1)"
            " AND deleted_at IS NULL",
            list(ids),
        )
    return {
        "catalog": {r["content_id"] for r in catalog},
        "search": {r["content_id"] for r in search},
    }
