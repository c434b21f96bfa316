"""The fault-injection suite's summary table, printed at the end of the session."""

from __future__ import annotations

import pytest

from tests.resilience import report
from tests.resilience.live_server import live

__all__ = ["live"]  # the fault-injection suite's server, a fixture


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if report.TAKEDOWNS:
        terminalreporter.section("resilience: takedowns during outages, two processes")
        terminalreporter.write_line(report.takedown_table(report.TAKEDOWNS))
    if not report.RESULTS:
        return
    terminalreporter.section("resilience: one dependency cut off at a time, under load")
    terminalreporter.write_line(report.table(report.RESULTS))
    terminalreporter.write_line(f"(also in {report.save(report.RESULTS)})")
