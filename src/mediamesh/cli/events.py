"""`mediamesh events simulate`: realistic synthetic engagement for the loaded catalog."""

from __future__ import annotations

from datetime import UTC, datetime

import typer

from mediamesh.cli.progress import progress_bar
from mediamesh.cli.runtime import fail, out, run, settings
from mediamesh.discovery import simulation_repository as repository
from mediamesh.discovery.simulation import SimulationPlan
from mediamesh.storage import postgres

app = typer.Typer(help="Engagement events.", no_args_is_help=True)


@app.command()
def simulate(
    events: int = typer.Option(100_000, min=1, max=100_000_000, help="How many events."),
    days: int = typer.Option(30, min=1, max=365, help="Spread over the last DAYS days."),
    seed: int = typer.Option(42, help="The same seed on the same catalog repeats the run."),
) -> None:
    """Add EVENTS views, completes and likes on the published items.

    Zipf-like popularity, more activity in recent days, a share of "buzz" on other items in
    the last 48 h (so trending differs from popular), about 65% of events from returning
    users (their repeated views within an hour count once). Events go straight into the raw
    table and the rollups in chunks of 500,000, each chunk one transaction; interrupting
    keeps the chunks done so far.
    """
    cfg = settings()
    plan = SimulationPlan(events=events, days=days, seed=seed, now=datetime.now(UTC))

    async def go() -> int:
        async with postgres.connect(cfg.database_url) as conn:
            items = await repository.prepare(conn, seed)
            if items == 0:
                fail("no published items: load a catalog first (`mediamesh load --sample`)")
            await repository.ensure_partitions(conn, plan.start, plan.now)
            with progress_bar("events") as progress:
                task = progress.add_task("simulating", total=events)
                for number, size in plan.chunks():
                    await repository.add_chunk(conn, plan, items, number, size)
                    progress.advance(task, size)
            await repository.refresh_statistics(conn)
        return items

    items = run(go())
    out.print(f"added {events:,} events over {items:,} published items in the last {days} days")
