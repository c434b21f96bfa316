"""Background loops stop when cancelled even when a library swallowed the cancellation
(resilience/periodic.py): on Python 3.11 a cancellation racing a timeout inside
`asyncio.wait_for` can be lost, and CI once hung at an app's shutdown on the search outbox
relay's loop. Pure: the "library" here is a coroutine of the test that swallows one
cancellation, as the lost one did; the deadlines only bound a failure, never a pass."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from mediamesh.resilience import periodic
from mediamesh.search.indexing.outbox import BatchOutcome, OutboxRelay

DEADLINE_SECONDS = 30.0


class Swallowing:
    """A call that, the first time it is cancelled, returns as if it had finished."""

    def __init__(self) -> None:
        self.calls = 0
        self.swallowed = asyncio.Event()
        self.entered = asyncio.Event()

    async def __call__(self, *_: Any) -> Any:
        self.calls += 1
        self.entered.set()
        if not self.swallowed.is_set():
            try:
                await asyncio.sleep(3600)
            except asyncio.CancelledError:
                self.swallowed.set()  # lost, as asyncio.wait_for can lose it
        return BatchOutcome()


async def _cancelled_and_ended(loop: Callable[[], Awaitable[None]], swallow: Swallowing) -> None:
    task = asyncio.create_task(loop())
    async with asyncio.timeout(DEADLINE_SECONDS):
        await swallow.entered.wait()
    task.cancel()
    await _ended(task)
    assert swallow.swallowed.is_set()


async def _ended(task: asyncio.Task[None]) -> None:
    """Asserts that `task` ends, cancelled, within the deadline (asyncio.wait: waiting does
    not cancel it again, as awaiting it under a timeout would)."""
    done, _ = await asyncio.wait({task}, timeout=DEADLINE_SECONDS)
    if not done:
        task.cancel()
    assert done and task.cancelled()


async def test_a_repeated_action_that_swallowed_the_cancellation_stops_at_its_next_turn() -> None:
    swallow = Swallowing()
    await _cancelled_and_ended(lambda: periodic.repeat(swallow, 0.01, "a figure"), swallow)
    assert swallow.calls == 1


async def test_the_outbox_relay_stops_though_its_batch_swallowed_the_cancellation() -> None:
    swallow = Swallowing()
    relay: Any = OutboxRelay(pool=None, writer=None, spec=None)  # type: ignore[arg-type]
    relay.run_once = swallow
    await _cancelled_and_ended(relay.run, swallow)


async def test_an_idle_wait_raises_a_cancellation_already_requested() -> None:
    async def swallowed_then_idle() -> None:
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.sleep(3600)  # lost here
        await periodic.woken_or_after(asyncio.Event(), 3600)

    task = asyncio.create_task(swallowed_then_idle())
    await asyncio.sleep(0)
    task.cancel()
    await _ended(task)


async def test_stopped_cancels_again_until_the_task_has_ended(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(periodic, "STOP_RETRY_SECONDS", 0.05)
    cancellations = 0

    async def stubborn() -> None:
        nonlocal cancellations
        for _ in range(3):  # swallows two cancellations, ends at the third
            try:
                await asyncio.sleep(3600)
            except asyncio.CancelledError:
                cancellations += 1
                if cancellations == 3:
                    raise

    task = asyncio.create_task(stubborn())
    await asyncio.sleep(0)
    async with asyncio.timeout(DEADLINE_SECONDS):
        await periodic.stopped([task])
    assert task.cancelled() and cancellations == 3
