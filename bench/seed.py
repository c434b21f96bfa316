"""Fill the benchmark database: the sample films (catalog and search documents) and
simulated engagement, as `mediamesh load --sample` and `mediamesh events simulate` do."""

from __future__ import annotations

from datetime import UTC, datetime

from mediamesh.catalog.loader import load_sample
from mediamesh.discovery.events import simulation_repository
from mediamesh.discovery.events.simulation import CHUNK_EVENTS, SimulationPlan
from mediamesh.storage import postgres


async def seed(url: str, events: int, seed: int) -> list[str]:
    """Load and simulate; returns the published contentIds (for generated events)."""
    pool = await postgres.create_pool(url, min_size=1, max_size=2)
    try:
        await load_sample(pool)
    finally:
        await pool.close()
    async with postgres.connect(url) as conn:
        plan = SimulationPlan(events=events, days=30, seed=seed, now=datetime.now(UTC))
        run = await simulation_repository.start_run(conn, plan, CHUNK_EVENTS)
        await simulation_repository.simulate(conn, run, lambda _: None)
        await conn.execute("VACUUM ANALYZE")
        rows = await conn.fetch(
            "SELECT content_id FROM catalog_items WHERE status = 'published' ORDER BY content_id"
        )
    return [row["content_id"] for row in rows]
