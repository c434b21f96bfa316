"""(2) The list cold path: bench/discovery_cold.py (its own database, dropped after), its
table parsed into figures: rollups vs the naive query over raw events, per list."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

SCRIPT = Path(__file__).with_name("discovery_cold.py")
# "trending PROGRAM          12 /     9 ms      4000 /  3900 ms      433x  same lists (100 items)"
_ROW = re.compile(
    r"^(?P<list>(?:trending|popular) \S+)\s+(?P<f1>\d+) /\s*(?P<fast>\d+) ms\s+"
    r"(?P<s1>\d+) /\s*(?P<slow>\d+) ms\s+(?P<x>\d+)x\s+(?P<same>same lists|LISTS DIFFER)",
    re.MULTILINE,
)


def parse(output: str) -> list[dict[str, Any]]:
    """One row per list of discovery_cold.py's table; ValueError when there is none."""
    rows = [
        {
            "list": m["list"],
            "rollups_median_ms": int(m["fast"]),
            "naive_median_ms": int(m["slow"]),
            "speedup": int(m["slow"]) / max(1, int(m["fast"])),
            "same_lists": m["same"] == "same lists",
        }
        for m in _ROW.finditer(output)
    ]
    if not rows:
        raise ValueError(f"no result rows in discovery_cold.py's output:\n{output[-2000:]}")
    return rows


def measure(url: str, items: int, events: int, runs: int, log: Path) -> dict[str, Any]:
    command = [sys.executable, str(SCRIPT), "--url", url, "--items", str(items),
               "--events", str(events), "--runs", str(runs)]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=3600)
    log.write_text(done.stdout + done.stderr)
    if done.returncode:
        raise RuntimeError(f"discovery_cold.py failed ({done.returncode}): see {log}")
    rows = parse(done.stdout)
    return {
        "items": items,
        "events": events,
        "lists": rows,
        "min_speedup": min(r["speedup"] for r in rows),
        "all_same": all(r["same_lists"] for r in rows),
    }
