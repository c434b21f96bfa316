"""The figures of each fault case, from the load generator's records: what was sent, what
failed, p99 latency before / during / after the fault, writes acknowledged and found. Kept
for the summary table printed at the end of the session (conftest.py) and written to
test-artifacts/resilience.json."""

from __future__ import annotations

import json
import math
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ARTIFACT = Path(__file__).resolve().parents[2] / "test-artifacts" / "resilience.json"
READS = {"trending", "popular", "search", "trending_filtered"}


@dataclass
class CaseFigures:
    case: str
    sent: int
    failed_reads: int
    writes_sent: int
    writes_acknowledged: int
    writes_refused_503: int
    writes_found_after: int
    p99_ms: dict[str, float]
    stale_answers: int
    sources_during: dict[str, int]
    breakers_closed_after_s: float | None
    converged_after_s: float | None = None
    notes: list[str] = field(default_factory=list)


@dataclass
class TakedownFigures:
    case: str
    acknowledged_s: float  # the catalog write's response (the commit, announce, first purge)
    # from the request until no process lists it / finds it, including the requests' own time
    left_lists_s: float
    left_search_s: float
    purged_after_outage_s: float  # once the outage ended, until every copy was purged


TAKEDOWNS: list[TakedownFigures] = []


def takedown_table(results: list[TakedownFigures]) -> str:
    lines = [f"{'case':<44}{'acked':>8}{'out of lists':>14}{'out of search':>15}{'purged':>9}"]
    lines += [
        f"{f.case:<44}{f.acknowledged_s:>7.2f}s{f.left_lists_s:>13.2f}s{f.left_search_s:>14.2f}s"
        f"{f.purged_after_outage_s:>8.2f}s"
        for f in results
    ]
    return "\n".join(lines)


def p99_ms(records: list[dict[str, Any]]) -> float:
    if not records:
        return 0.0
    latencies = sorted(r["latency"] for r in records)
    return round(latencies[math.ceil(0.99 * len(latencies)) - 1] * 1000, 1)


def phases(
    records: list[dict[str, Any]], fault_start: float, fault_end: float
) -> dict[str, list[dict[str, Any]]]:
    """Requests by the phase they started in."""
    return {
        "before": [r for r in records if r["t"] < fault_start],
        "during": [r for r in records if fault_start <= r["t"] < fault_end],
        "after": [r for r in records if r["t"] >= fault_end],
    }


def failed_reads(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in records if r["endpoint"] in READS and r["status"] not in (200, 304)]


def sources(records: list[dict[str, Any]]) -> dict[str, int]:
    counted = Counter(
        f"{r['endpoint']}:{r.get('source')}{' stale' if r.get('stale') else ''}"
        for r in records
        if r["endpoint"] in READS and r["status"] == 200
    )
    return dict(sorted(counted.items()))


RESULTS: list[CaseFigures] = []


def table(results: list[CaseFigures]) -> str:
    head = (
        f"{'case':<18}{'sent':>6}{'failed':>8}{'p99 before':>12}{'during':>9}{'after':>9}"
        f"{'writes ack':>12}{'503':>6}{'found':>7}{'stale':>7}{'closed':>8}"
    )
    lines = [head, "-" * len(head)]
    for f in results:
        closed = "-" if f.breakers_closed_after_s is None else f"{f.breakers_closed_after_s:.1f}s"
        lines.append(
            f"{f.case:<18}{f.sent:>6}{f.failed_reads:>8}{f.p99_ms['before']:>10.0f}ms"
            f"{f.p99_ms['during']:>7.0f}ms{f.p99_ms['after']:>7.0f}ms{f.writes_acknowledged:>12}"
            f"{f.writes_refused_503:>6}{f.writes_found_after:>7}{f.stale_answers:>7}{closed:>8}"
        )
    return "\n".join(lines)


def save(results: list[CaseFigures]) -> Path:
    ARTIFACT.parent.mkdir(parents=True, exist_ok=True)
    ARTIFACT.write_text(json.dumps([asdict(f) for f in results], indent=2))
    return ARTIFACT
