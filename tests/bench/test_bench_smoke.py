# ruff: noqa: RUF001
"""The benchmark harness's pure parts, so that it does not rot: parsing wrk's and
discovery_cold.py's reports, the generated data, and the results table. No timing here."""

from __future__ import annotations

import pytest

from bench import cold_path, dataset, report, wrk

WRK_OUTPUT = """Running 3s test @ http://127.0.0.1:8081/v1/discovery/trending
  1 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     2.05ms  512.00us  12.10ms   90.00%
    Req/Sec     7.83k   210.00     8.10k    70.00%
  Latency Distribution
     50%    1.28ms
     75%  850.00us
     90%    5.08ms
     99%    1.20s
  23603 requests in 3.01s, 98.22MB read
  Non-2xx or 3xx responses: 3
  Socket errors: connect 0, read 1, write 0, timeout 2
Requests/sec:   7834.63
Transfer/sec:     32.63MB
"""


def test_wrk_report_is_parsed_with_units_and_errors() -> None:
    result = wrk.parse(WRK_OUTPUT)
    assert result == wrk.WrkResult(7834.63, 1.28, 0.85, 5.08, 1200.0, 23603, 6)


def test_an_incomplete_wrk_report_is_refused() -> None:
    with pytest.raises(ValueError, match="not a complete wrk"):
        wrk.parse("unable to connect to 127.0.0.1:1 Connection refused\n")


def test_load_is_only_sent_to_this_machine() -> None:
    with pytest.raises(ValueError, match="this machine"):
        wrk.run("http://10.0.0.1/", 1, 1)


COLD_OUTPUT = """catalog: 100,000 items
list                                rollups first/median    naive first/median  speed-up
trending all                             40 /    31 ms      5210 /  5002 ms      161x  same lists (100 items)
popular PROGRAM#language=fr              12 /     9 ms      4000 /  3900 ms      433x  LISTS DIFFER (100 items)
dropped postgresql://postgres@127.0.0.1:5432/mm_bench_x
"""


def test_discovery_cold_table_is_parsed() -> None:
    rows = cold_path.parse(COLD_OUTPUT)
    assert [(r["list"], r["rollups_median_ms"], r["naive_median_ms"], r["same_lists"])
            for r in rows] == [
        ("trending all", 31, 5002, True),
        ("popular PROGRAM#language=fr", 9, 3900, False),
    ]  # fmt: skip


def test_generated_data_is_deterministic_and_valid_for_the_api() -> None:
    films = [
        {"title": "The Great Train Robbery", "description": "Bandits rob a train and flee."},
        {"title": "Casablanca", "description": "A nightclub owner shelters refugees."},
    ]
    first = dataset.generated_documents(films, 5, seed=1)
    assert first == dataset.generated_documents(films, 5, seed=1)
    assert [d["contentId"] for d in first] == [f"bench-doc-{n}" for n in range(5)]
    assert {d["contentType"] for d in first} == {"PROGRAM", "EPISODE"}
    workload = dataset.search_workload(films * 3, seed=2, per_kind=2)
    assert [q.kind for q in workload] == [k for k in dataset.KINDS for _ in range(2)]


def test_summary_rows_judge_the_targets() -> None:
    run = {"connections": 16, "requests_per_second": 900.0, "p50_ms": 1.0, "p99_ms": 3.0,
           "p75_ms": 2.0, "p90_ms": 2.5, "requests": 9000, "errors": 0}  # fmt: skip
    floor = {**run, "requests_per_second": 1000.0, "p99_ms": 2.0}
    results = {
        "hot_path": {
            "tiers": {"memory": [run], "redis": [run], "dynamodb": [run], "floor": [floor]},
            "orders": {"guide's order": run, "Redis first": run},
        },
        "ingestion": {
            "events": 1000,
            "api_events_per_second": 400.0,
            "floor_events_per_second": 1000.0,
            "ratio": 0.4,
        },
    }
    rows = report.summary_rows(results)
    memory = next(row for row in rows if "memory" in row[0])
    assert memory[3] == "90% req/s, p99 1.5×"
    assert memory[4].endswith(": met")
    assert rows[-1][3:] == ("40%", "≥50%: **not met**")
