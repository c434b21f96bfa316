"""`create_app(..., freeze_gc=True)` (what `mediamesh serve` runs) freezes start-up's objects
out of the garbage collector once the app has started; apps built for tests do not."""

from __future__ import annotations

import gc

from mediamesh.app.factory import create_app
from mediamesh.settings import Settings


async def test_a_served_app_freezes_what_start_up_made(provisioned: Settings) -> None:
    gc.unfreeze()
    plain = create_app(provisioned, "discovery")
    async with plain.router.lifespan_context(plain):
        assert gc.get_freeze_count() == 0
    served = create_app(provisioned, "discovery", freeze_gc=True)
    try:
        async with served.router.lifespan_context(served):
            assert gc.get_freeze_count() > 10_000  # modules, models, clients
    finally:
        gc.unfreeze()  # the rest of the test run collects as usual
