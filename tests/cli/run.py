"""Running the real `mediamesh` command in a subprocess, as a user would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from mediamesh.settings import Settings

MEDIAMESH = str(Path(sys.executable).parent / "mediamesh")


def environment(settings: Settings) -> dict[str, str]:
    """The environment variables that reproduce `settings`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DYNAMODB_", "AWS_"))}
    for name, value in settings.model_dump().items():
        if value is None:
            continue
        if hasattr(value, "get_secret_value"):
            value = value.get_secret_value()
        env[name.upper()] = str(value).lower() if isinstance(value, bool) else str(value)
    env["COLUMNS"] = "200"  # keep messages on one line
    return env


def mediamesh(
    settings: Settings, *args: str, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [MEDIAMESH, *args],
        env=environment(settings),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
