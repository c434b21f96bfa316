"""`mediamesh maintain`: apply the retention settings now (what every server also does every
MAINTENANCE_INTERVAL_SECONDS)."""

from __future__ import annotations

import typer

from mediamesh.app.maintenance import maintain as run_maintenance
from mediamesh.cli.runtime import console, out, run, settings


def maintain() -> None:
    """Delete what nothing reads any more: event partitions older than EVENT_RETENTION_DAYS,
    view-dedup rows and rollups older than the longest list window, search tombstones older
    than SEARCH_TOMBSTONE_RETENTION_DAYS (once DynamoDB has their delete), and, with
    DYNAMODB_ENABLED=false, the outbox rows no relay will deliver. Also creates next month's
    event partition.

    Safe beside running servers and other runs: one run at a time per database (another
    finds it busy and does nothing). Exits 1 if a step failed; running it again resumes.
    """
    report = run(run_maintenance(settings()))
    if not report.ran:
        out.print("another process is running maintenance on this database; nothing done")
        return
    for result in report.results:
        if result.error is None:
            out.print(f"{result.name}: {result.count}")
        else:
            console.print(f"[bold red]{result.name}: failed:[/] {result.error}", highlight=False)
    if report.errors:
        raise typer.Exit(1)
