"""Fault injection: a real server under a steady load from a second process, one dependency
cut off at a time (FaultProxy refuse / hang, a real SIGSTOP of DynamoDB Local), and what the
clients saw before, during and after. Figures: tests/resilience/report.py (printed at the
end of the session, and in test-artifacts/resilience.json).

The latency bound below is a correctness bound (a hanging dependency must not hang requests,
with our 0.2-0.5 s budgets), not a performance target: generous for a loaded 2-core machine.
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
P99_BOUND_SECONDS = 2.0
# writes in flight when PostgreSQL goes away or started just as it returns may be refused;
# outside this margin around the outage every write must be acknowledged
WRITE_MARGIN_SECONDS = 1.0


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
    records, fault_start, fault_end, closed_after = await run_load(live, case, prefix, tmp_path)
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
        breakers_closed_after_s=closed_after,
    )
    report.RESULTS.append(figures)

    # reads: none failed, none hung, in any phase
    assert report.failed_reads(records) == []
    assert figures.p99_ms["during"] < P99_BOUND_SECONDS * 1000, figures
    assert figures.p99_ms["after"] < P99_BOUND_SECONDS * 1000, figures
    # the breakers closed by themselves once the dependency was back
    assert closed_after is not None, await live.ready()
    # writes: every acknowledged one is in PostgreSQL; no catalog write half-written
    assert acknowledged <= found["search"]
    assert (
        found["catalog"]
        == {r["id"] for r in writes if r["endpoint"] == "catalog_write"} & (found["search"])
    )
    if case.store == "postgres":
        assert_writes_refused_cleanly(writes, fault_start, fault_end)
        assert figures.stale_answers > 0, figures  # lists outlived their TTL: stale, not 503
    else:
        assert [r for r in writes if r["status"] != 200] == []
        assert figures.stale_answers == 0, figures
    if case.store == "dynamodb":  # indexing acknowledged meanwhile reaches DynamoDB
        figures.converged_after_s = round(await delivered(live.direct, acknowledged), 1)


async def run_load(
    live: Live, case: Case, prefix: str, tmp_path: Path
) -> tuple[list[dict[str, Any]], float, float, float | None]:
    """Run the load generator through the three phases; apply the fault in the middle one.
    Returns the records, the fault's start and end (epoch) and how long after the end the
    breakers were all closed again (None: not within the last phase)."""
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
        await asyncio.sleep(DURING)
        fault_end = time.time()
        case.lift(live)
        closed = await live.until_healthy(fault_end + AFTER - 0.5)
        closed_after = round(time.time() - fault_end, 1) if closed else None
        assert await asyncio.wait_for(process.wait(), AFTER + 30) == 0
    finally:
        case.lift(live)
        if process.returncode is None:
            process.kill()
            await process.wait()
    return json.loads(out.read_text())["requests"], fault_start, fault_end, closed_after


def assert_writes_refused_cleanly(
    writes: list[dict[str, Any]], fault_start: float, fault_end: float
) -> None:
    """While PostgreSQL is down, writes get 503, Retry-After and our JSON error; outside the
    outage (and its margin) every write is acknowledged."""
    refused = [r for r in writes if r["status"] != 200]
    assert refused, "PostgreSQL was down for a whole phase: some write must have been refused"
    assert {(r["status"], r.get("retryAfter"), r.get("errorCode")) for r in refused} == {
        (503, "5", "postgres_unavailable")
    }
    margin = WRITE_MARGIN_SECONDS
    outside = [r for r in refused if not fault_start - margin <= r["t"] < fault_end + margin]
    assert outside == []


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
