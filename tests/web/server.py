"""`mediamesh serve all` in a subprocess, as an operator would run it, for the browser tests."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from mediamesh.devstack import dynamodb_local
from mediamesh.settings import Settings
from tests.cli.run import MEDIAMESH, environment

# a failure beyond it: generous, since N workers start at once on a machine that may be busy
READY_WITHIN_SECONDS = 120.0


@contextmanager
def serving(
    settings: Settings, log: Path, *, workers: int = 1, log_level: str = "warning"
) -> Iterator[str]:
    """The base URL of a running `mediamesh serve all`; stopped (SIGTERM, then SIGKILL) after.
    Raises RuntimeError with the server's log when it does not become ready."""
    with started(settings, log, workers=workers, log_level=log_level) as (base, _):
        yield base


@contextmanager
def started(
    settings: Settings, log: Path, *, workers: int = 1, log_level: str = "warning"
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """As `serving`, with the server's process (to signal it)."""
    port = dynamodb_local.free_port()
    command = [MEDIAMESH, "serve", "all", "--port", str(port), "--log-level", log_level]
    with log.open("wb") as output:
        process = subprocess.Popen(
            [*command, "--workers", str(workers)],
            env=environment(settings),
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(process, base, log)
        yield base, process
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_ready(process: subprocess.Popen[bytes], base: str, log: Path) -> None:
    deadline = time.monotonic() + READY_WITHIN_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"mediamesh serve exited ({process.returncode}):\n{log.read_text()}")
        try:
            if httpx.get(f"{base}/health/ready", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(
        f"mediamesh serve was not ready within {READY_WITHIN_SECONDS}s:\n{log.read_text()}"
    )
