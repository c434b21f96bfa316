"""`mediamesh events simulate`: realistic synthetic engagement for the loaded catalog."""

from __future__ import annotations

from datetime import UTC, datetime

import typer

from mediamesh.cli.progress import progress_bar
from mediamesh.cli.runtime import fail, out, settings
from mediamesh.cli.runtime import run as run_async
from mediamesh.discovery.events import simulation_repository as repository
from mediamesh.discovery.events.simulation import CHUNK_EVENTS, SimulationPlan
from mediamesh.search import popularity
from mediamesh.storage import postgres

app = typer.Typer(help="Engagement events.", no_args_is_help=True)


@app.command()
def simulate(
    events: int = typer.Option(100_000, min=1, max=100_000_000, help="How many events."),
    days: int = typer.Option(30, min=1, max=365, help="Spread over the last DAYS days."),
    seed: int = typer.Option(42, help="The same seed on the same catalog repeats the run."),
    resume: bool = typer.Option(
        False, "--resume", help="Finish the last interrupted run (its own events/days/seed)."
    ),
    chunk_size: int = typer.Option(
        CHUNK_EVENTS, min=1_000, max=5_000_000, hidden=True, help="Events per transaction."
    ),
) -> None:
    """Add EVENTS views, completes and likes on the published items.

    Zipf-like popularity led by what the catalog knows (recent releases with a long
    description, genres and cast first), more activity in recent days, a share of "buzz"
    on new releases in the last 48 h (so trending differs from popular), about 65% of
    events from returning users (their repeated views within an hour count once). Events
    go straight into the raw table and the rollups in chunks of 500,000, each chunk one
    transaction that also records its progress: an interrupted run keeps the chunks done so
    far, and `--resume` adds exactly the rest (the same events an uninterrupted run would
    have drawn).
    """
    cfg = settings()

    async def go() -> tuple[int, repository.SimulationRun]:
        async with postgres.connect(cfg.database_url) as conn:
            if resume:
                run = await repository.unfinished_run(conn)
                if run is None:
                    fail("no interrupted simulation to resume")
            else:
                plan = SimulationPlan(events=events, days=days, seed=seed, now=datetime.now(UTC))
                run = await repository.start_run(conn, plan, chunk_size)
            with progress_bar("events") as progress:
                task = progress.add_task("simulating", total=run.plan.events)
                progress.advance(task, run.events_done)
                items = await repository.simulate(conn, run, lambda n: progress.advance(task, n))
            # search ranks by engagement too: without this it would wait for maintenance
            await popularity.refresh(conn, cfg, datetime.now(UTC))
        return items, run

    # the chunks stored so far are kept; --resume adds exactly the rest
    items, run = run_async(go(), resume="`mediamesh events simulate --resume`")
    plan, resumed = run.plan, run.events_done
    added = plan.events - resumed
    what = f"added {added:,} events" + (f" (resumed after {resumed:,})" if resumed else "")
    out.print(f"{what} over {items:,} published items in the last {plan.days} days")
    out.print("search popularity refreshed from the rollups")
